#include "registry/oci_client.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "registry/digest.h"
#include "registry/registry_auth.h"

namespace rollcall {
namespace {

struct Manifest {
  std::string bytes;
  std::string media_type;
  std::string digest;
};

std::string ManifestUrl(const RegistryConfig& config, const std::string& tag) {
  return fmt::format("{}/v2/{}/manifests/{}", RegistryBaseUrl(config), config.repository, tag);
}

// "MANIFEST_UNKNOWN: manifest unknown" from the registry's error body, or "".
std::string ErrorSummary(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array()) return "";
  for (const nlohmann::json& e : j["errors"]) {
    if (!e.is_object()) continue;
    const std::string code = e.value("code", "");
    const std::string message = e.value("message", "");
    if (!code.empty() || !message.empty()) return code + (message.empty() ? "" : ": " + message);
  }
  return "";
}

bool IsManifestUnknown(const RegistryResponse& r) {
  const std::string summary = ErrorSummary(r.body);
  return r.status == 404 || summary.starts_with("MANIFEST_UNKNOWN") ||
         summary.starts_with("NAME_UNKNOWN");
}

Status UnexpectedAnswer(const RegistryConfig& config, const std::string& action,
                        const RegistryResponse& r) {
  const std::string summary = ErrorSummary(r.body);
  std::string message =
      fmt::format("registry {} answered HTTP {} to {}", RegistryName(config), r.status, action);
  if (!summary.empty()) message += ": " + summary;
  if (r.status >= 500 || r.status == 429) return Status::Unavailable(message);
  return Status::Internal(message);
}

// "application/vnd.oci.image.manifest.v1+json; charset=utf-8" -> the type alone.
std::string BareMediaType(const std::string& content_type) {
  std::string_view t = content_type;
  t = t.substr(0, t.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return std::string(t);
}

bool IsManifestMediaType(std::string_view media_type) {
  for (std::string_view known : kManifestMediaTypes) {
    if (media_type == known) return true;
  }
  return false;
}

Status CheckTag(const std::string& what, const std::string& tag) {
  if (IsValidTag(tag)) return Status::Ok();
  return Status::Invalid(fmt::format("{} \"{}\" is not a valid tag", what, tag));
}

// Checks the answer's media type and that the digest it reports is the
// digest of its bytes (a proxy that rewrote the body would break that).
Result<Manifest> ReadManifest(const RegistryConfig& config, const std::string& tag,
                              RegistryResponse answer) {
  const std::string where = fmt::format("manifest \"{}\" in {}", tag, RegistryName(config));
  Manifest m{std::move(answer.body), BareMediaType(answer.Header("Content-Type")), ""};
  if (!IsManifestMediaType(m.media_type)) {
    return Status::Internal(
        fmt::format("{} has unsupported media type \"{}\"", where, m.media_type));
  }
  m.digest = Sha256Digest(m.bytes);
  const std::string reported = answer.Header("Docker-Content-Digest");
  if (!reported.empty() && reported != m.digest) {
    return Status::Internal(
        fmt::format("{} is reported as {} but its bytes hash to {}", where, reported, m.digest));
  }
  return m;
}

// `label` is how a missing tag is named: "tag" or "source tag".
Result<Manifest> GetManifest(RegistrySession& session, const RegistryConfig& config,
                             const std::string& tag, const std::string& scope,
                             const std::string& label) {
  RegistryRequest request;
  request.url = ManifestUrl(config, tag);
  request.headers.emplace_back("Accept", ManifestAccept());
  Result<RegistryResponse> answer = session.Send(std::move(request), scope);
  if (!answer.ok()) return answer.status();
  if (answer->status == 200) return ReadManifest(config, tag, std::move(answer).value());
  if (IsManifestUnknown(*answer)) {
    return Status::NotFound(
        fmt::format("{} \"{}\" not found in {}", label, tag, RegistryName(config)));
  }
  return UnexpectedAnswer(config, fmt::format("GET manifest \"{}\"", tag), *answer);
}

// PUTs the exact bytes; the digest the registry reports must be the
// source's (when it reports none, the new tag is read back).
Status PutManifest(RegistrySession& session, const RegistryConfig& config, const Manifest& m,
                   const std::string& tag) {
  RegistryRequest request;
  request.method = "PUT";
  request.url = ManifestUrl(config, tag);
  request.headers.emplace_back("Content-Type", m.media_type);
  request.body = m.bytes;
  Result<RegistryResponse> answer = session.Send(std::move(request), PushScope(config.repository));
  if (!answer.ok()) return answer.status();
  if (answer->status < 200 || answer->status > 299) {
    return UnexpectedAnswer(config, fmt::format("PUT manifest \"{}\"", tag), *answer);
  }
  std::string stored = answer->Header("Docker-Content-Digest");
  if (stored.empty()) {
    Result<Manifest> back = GetManifest(session, config, tag, PushScope(config.repository), "tag");
    if (!back.ok()) return back.status().Prefixed("reading back the new tag: ");
    stored = back->digest;
  }
  if (stored != m.digest) {
    return Status::Internal(fmt::format("registry {} stored tag \"{}\" as {}, not as {}",
                                        RegistryName(config), tag, stored, m.digest));
  }
  return Status::Ok();
}

}  // namespace

std::string ManifestAccept() {
  std::string out;
  for (std::string_view t : kManifestMediaTypes) {
    if (!out.empty()) out += ", ";
    out += t;
  }
  return out;
}

Result<RetagResult> Retag(RegistryTransport& transport, const RegistryConfig& config,
                          const std::string& source_tag, const std::string& target_tag) {
  if (Status s = ValidateRegistryConfig(config); !s.ok()) return s;
  if (Status s = CheckTag("source tag", source_tag); !s.ok()) return s;
  if (Status s = CheckTag("target tag", target_tag); !s.ok()) return s;
  // One session, and the push scope from the start: a token service hands
  // out a single token good for both the GET and the PUT.
  RegistrySession session(transport, config);
  Result<Manifest> source =
      GetManifest(session, config, source_tag, PushScope(config.repository), "source tag");
  if (!source.ok()) return source.status();
  if (Status s = PutManifest(session, config, *source, target_tag); !s.ok()) return s;
  return RetagResult{source->digest, source->media_type};
}

Result<std::string> ManifestDigest(RegistryTransport& transport, const RegistryConfig& config,
                                   const std::string& tag) {
  if (Status s = ValidateRegistryConfig(config); !s.ok()) return s;
  if (Status s = CheckTag("tag", tag); !s.ok()) return s;
  RegistrySession session(transport, config);
  Result<Manifest> m = GetManifest(session, config, tag, PullScope(config.repository), "tag");
  if (!m.ok()) return m.status();
  return m->digest;
}

}  // namespace rollcall
