// Registry authentication: challenge parsing and an authorizing sender.
//
// Registries answer 401 with `WWW-Authenticate: Basic realm="..."` or
// `WWW-Authenticate: Bearer realm="...",service="...",scope="..."`. For
// Bearer, the client GETs the realm with `service` and `scope` query
// parameters (with basic credentials if it has any), reads `token` (or
// `access_token`) from the JSON answer and retries with
// `Authorization: Bearer <token>`.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "registry/registry_config.h"
#include "registry/registry_transport.h"

namespace rollcall {

struct AuthChallenge {
  std::string scheme;                         // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params;  // names lowercased, values unquoted

  std::string Param(const std::string& name) const;  // "" when absent
};

// Parses one WWW-Authenticate value, which may hold several challenges
// (`Basic realm="a", Bearer realm="b"`). Quoted values may contain commas
// and backslash escapes. Malformed trailing input is dropped.
std::vector<AuthChallenge> ParseAuthChallenges(std::string_view header);

// "Basic " + base64("user:password").
std::string BasicAuthorization(const std::string& username, const std::string& password);

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string PercentEncode(std::string_view s);

// `realm` with `service` (when non-empty) and one `scope` parameter per
// scope appended, after '?' or '&' depending on whether realm has a query.
std::string TokenRequestUrl(const std::string& realm, const std::string& service,
                            const std::vector<std::string>& scopes);

// The `token` (or else `access_token`) of a token service's JSON answer;
// Internal when the body is not JSON or carries neither.
Result<std::string> ReadToken(const std::string& body);

// "repository:<repo>:pull" and "repository:<repo>:pull,push".
std::string PullScope(const std::string& repository);
std::string PushScope(const std::string& repository);

// Sends requests to one registry, answering its challenges. Remembers the
// scheme (and for Bearer the realm and the tokens per scope) so later
// requests carry credentials up front. Not thread-safe; `transport` and
// `config` outlive it. Credentials are never put in a returned message.
class RegistrySession {
 public:
  RegistrySession(RegistryTransport& transport, const RegistryConfig& config);
  RegistrySession(const RegistrySession&) = delete;
  RegistrySession& operator=(const RegistrySession&) = delete;

  // Sends `request` (its timeout is set from the config) authorized for
  // `scope`, answering at most one challenge. Returns the registry's answer
  // whatever its status, except: Unavailable when the transport fails;
  // Internal when the registry (or its token service) refuses the
  // credentials or demands some that are not configured, or the challenge
  // is unusable. Messages name the registry, never a credential.
  Result<RegistryResponse> Send(RegistryRequest request, const std::string& scope);

 private:
  enum class Scheme { kUnknown, kBasic, kBearer };

  Status Authorize(RegistryRequest& request, const std::string& scope);
  Status Answer(const RegistryResponse& refused, const std::string& scope);
  Status FetchToken(const std::string& challenge_scope, const std::string& scope);
  std::string Describe() const;

  RegistryTransport& transport_;
  const RegistryConfig& config_;
  Scheme scheme_ = Scheme::kUnknown;
  std::string realm_;                          // Bearer only
  std::string service_;                        // Bearer only
  std::map<std::string, std::string> tokens_;  // by scope
};

}  // namespace rollcall
