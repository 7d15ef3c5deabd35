// OCI image references (the distribution spec's grammar): what a tenant's
// image_repo and a running-image proof must look like. Pure.
//
//   repository := [host[:port]/]component[/component]...
//   component  := [a-z0-9]+ ((. | _ | __ | -+) [a-z0-9]+)*
//   host       := a DNS name (letters, digits, '-', '.'), "localhost" or [IPv6]
//   reference  := repository [:tag] [@algorithm:hex]
//
// The first path element is a host when it holds a '.' or a ':' or is
// "localhost" (docker's rule). At most 255 characters for the repository.
#pragma once

#include <string_view>

namespace rollcall {

// "registry.example:5000/team/app" yes; "Team/App", "app:v1", "" no.
bool IsValidRepository(std::string_view repository);
// A repository with an optional tag and an optional digest:
// "ghcr.io/acme/app:v1.4.2", "app@sha256:<64 hex>".
bool IsValidImageReference(std::string_view reference);

}  // namespace rollcall
