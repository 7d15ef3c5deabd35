#include "registry/registry_auth.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace rollcall {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// RFC 9110 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over one WWW-Authenticate value.
class ChallengeScanner {
 public:
  explicit ChallengeScanner(std::string_view s) : s_(s) {}

  bool AtEnd() const { return i_ >= s_.size(); }
  size_t Mark() const { return i_; }
  void Reset(size_t mark) { i_ = mark; }

  void SkipSpaces() {
    while (!AtEnd() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  void SkipSpacesAndCommas() {
    while (!AtEnd() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
  }
  bool Consume(char c) {
    if (AtEnd() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  std::string_view Token() {
    const size_t begin = i_;
    while (!AtEnd() && IsTokenChar(s_[i_])) ++i_;
    return s_.substr(begin, i_ - begin);
  }
  // A quoted-string (with backslash escapes) or, leniently, anything up to
  // the next comma or space.
  std::string Value() {
    std::string out;
    if (!Consume('"')) {
      while (!AtEnd() && s_[i_] != ',' && s_[i_] != ' ' && s_[i_] != '\t') out += s_[i_++];
      return out;
    }
    while (!AtEnd() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_++];
    }
    Consume('"');
    return out;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// Reads `name=value` pairs until the input ends or a token without '='
// starts the next challenge.
void ReadParams(ChallengeScanner& in, AuthChallenge& challenge) {
  while (true) {
    const size_t mark = in.Mark();
    in.SkipSpacesAndCommas();
    const std::string_view name = in.Token();
    in.SkipSpaces();
    if (name.empty() || !in.Consume('=')) {
      in.Reset(mark);
      return;
    }
    in.SkipSpaces();
    challenge.params[Lower(name)] = in.Value();
  }
}

std::vector<std::string> SplitScopes(const std::string& scopes) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= scopes.size()) {
    const size_t space = std::min(scopes.find(' ', start), scopes.size());
    if (space > start) out.push_back(scopes.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

}  // namespace

std::string AuthChallenge::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::vector<AuthChallenge> ParseAuthChallenges(std::string_view header) {
  std::vector<AuthChallenge> out;
  ChallengeScanner in(header);
  while (true) {
    in.SkipSpacesAndCommas();
    const std::string_view scheme = in.Token();
    if (scheme.empty()) return out;  // the end, or garbage we cannot step over
    AuthChallenge challenge{Lower(scheme), {}};
    ReadParams(in, challenge);
    out.push_back(std::move(challenge));
  }
}

std::string BasicAuthorization(const std::string& username, const std::string& password) {
  const std::string plain = username + ":" + password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<size_t>(n));
  return "Basic " + encoded;
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string TokenRequestUrl(const std::string& realm, const std::string& service,
                            const std::vector<std::string>& scopes) {
  std::string url = realm;
  char separator = realm.find('?') == std::string::npos ? '?' : '&';
  auto add = [&](std::string_view name, const std::string& value) {
    url += separator;
    url += name;
    url += '=';
    url += PercentEncode(value);
    separator = '&';
  };
  if (!service.empty()) add("service", service);
  for (const std::string& scope : scopes) add("scope", scope);
  return url;
}

Result<std::string> ReadToken(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return Status::Internal("token service answered with malformed JSON");
  for (const char* key : {"token", "access_token"}) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
      return it->get<std::string>();
    }
  }
  return Status::Internal("token service answered without a token");
}

std::string PullScope(const std::string& repository) {
  return "repository:" + repository + ":pull";
}

std::string PushScope(const std::string& repository) {
  return "repository:" + repository + ":pull,push";
}

RegistrySession::RegistrySession(RegistryTransport& transport, const RegistryConfig& config)
    : transport_(transport), config_(config) {}

// At most two exchanges: a challenge is answered once. A second 401 means
// the credentials (or the token they bought) are not good enough, and
// asking again would only repeat the refusal.
Result<RegistryResponse> RegistrySession::Send(RegistryRequest request, const std::string& scope) {
  request.timeout = config_.timeout;
  const RegistryHeaders headers = request.headers;
  for (int attempt = 0;; ++attempt) {
    request.headers = headers;
    if (Status s = Authorize(request, scope); !s.ok()) return s;
    Result<RegistryResponse> answer = transport_.Send(request);
    if (!answer.ok() || answer->status != 401) return answer;
    if (attempt > 0) {
      return Status::Internal(
          scheme_ == Scheme::kBearer
              ? fmt::format("{} refused the token for scope \"{}\" (HTTP 401)", Describe(), scope)
              : Describe() + " refused the credentials (HTTP 401)");
    }
    if (Status s = Answer(*answer, scope); !s.ok()) return s;
  }
}

Status RegistrySession::Authorize(RegistryRequest& request, const std::string& scope) {
  switch (scheme_) {
    case Scheme::kUnknown:
      return Status::Ok();
    case Scheme::kBasic:
      request.headers.emplace_back("Authorization",
                                   BasicAuthorization(config_.username, config_.password));
      return Status::Ok();
    case Scheme::kBearer:
      if (tokens_.count(scope) == 0) {
        if (Status s = FetchToken("", scope); !s.ok()) return s;
      }
      request.headers.emplace_back("Authorization", "Bearer " + tokens_[scope]);
      return Status::Ok();
  }
  return Status::Ok();
}

// Picks Bearer over Basic when a registry offers both, as docker does.
Status RegistrySession::Answer(const RegistryResponse& refused, const std::string& scope) {
  const AuthChallenge* bearer = nullptr;
  const AuthChallenge* basic = nullptr;
  std::vector<AuthChallenge> challenges;
  for (const std::string& value : refused.Headers("WWW-Authenticate")) {
    for (AuthChallenge& c : ParseAuthChallenges(value)) challenges.push_back(std::move(c));
  }
  for (const AuthChallenge& c : challenges) {
    if (c.scheme == "bearer" && bearer == nullptr) bearer = &c;
    if (c.scheme == "basic" && basic == nullptr) basic = &c;
  }
  if (bearer != nullptr) {
    const std::string realm = bearer->Param("realm");
    const bool https = realm.starts_with("https://");
    if (!https && !(config_.insecure && realm.starts_with("http://"))) {
      return Status::Internal(
          fmt::format("{} sent a Bearer challenge whose realm \"{}\" is not an https:// URL",
                      Describe(), realm));
    }
    scheme_ = Scheme::kBearer;
    realm_ = realm;
    service_ = bearer->Param("service");
    tokens_.erase(scope);
    return FetchToken(bearer->Param("scope"), scope);
  }
  if (basic != nullptr) {
    if (config_.username.empty()) {
      return Status::Internal(Describe() + " requires credentials (HTTP 401); none are configured");
    }
    scheme_ = Scheme::kBasic;
    return Status::Ok();
  }
  return Status::Internal(Describe() +
                          " answered HTTP 401 without a usable WWW-Authenticate challenge");
}

// Asks for the challenge's scopes and ours together, so the one token
// serves both this request and later ones in `scope` (pull,push up front).
Status RegistrySession::FetchToken(const std::string& challenge_scope, const std::string& scope) {
  std::vector<std::string> scopes = SplitScopes(challenge_scope);
  if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
  RegistryRequest request;
  request.url = TokenRequestUrl(realm_, service_, scopes);
  request.timeout = config_.timeout;
  request.headers.emplace_back("Accept", "application/json");
  if (!config_.username.empty()) {
    request.headers.emplace_back("Authorization",
                                 BasicAuthorization(config_.username, config_.password));
  }
  Result<RegistryResponse> answer = transport_.Send(request);
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    if (answer->status == 401 || answer->status == 403) {
      const char* what = config_.username.empty() ? "anonymous access" : "the credentials";
      return Status::Internal(fmt::format("token service {} refused {} for {} (HTTP {})", realm_,
                                          what, Describe(), answer->status));
    }
    return Status::Internal(fmt::format("token service {} answered HTTP {} for {}", realm_,
                                        answer->status, Describe()));
  }
  Result<std::string> token = ReadToken(answer->body);
  if (!token.ok()) {
    return token.status().Prefixed(fmt::format("{} (realm {}): ", Describe(), realm_));
  }
  tokens_[scope] = std::move(token).value();
  return Status::Ok();
}

std::string RegistrySession::Describe() const { return "registry " + RegistryName(config_); }

}  // namespace rollcall
