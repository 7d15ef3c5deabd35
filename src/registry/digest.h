// Content digests as the OCI distribution API writes them.
#pragma once

#include <string>
#include <string_view>

namespace rollcall {

// "sha256:" + the lowercase hex SHA-256 of `bytes`.
std::string Sha256Digest(std::string_view bytes);

}  // namespace rollcall
