#include "server/auth.h"

#include <fmt/format.h>

#include <set>
#include <sstream>

namespace rollcall {
namespace {

bool IsValidTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || c == '@';
    if (!ok) return false;
  }
  return true;
}

constexpr size_t kMinTokenLength = 16;

}  // namespace

Result<std::vector<NamedToken>> ParseTokensFile(std::string_view text, std::string_view source) {
  std::vector<NamedToken> out;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string name, role, token, extra;
    fields >> name;
    if (name.empty() || name[0] == '#') continue;
    fields >> role >> token >> extra;
    const std::string where = fmt::format("{} line {}", source, n);
    if (token.empty() || !extra.empty()) {
      return Status::Invalid(where + ": expected NAME ROLE TOKEN (three fields)");
    }
    if (!IsValidTokenName(name)) {
      return Status::Invalid(where + ": NAME must be 1-64 letters, digits, '.', '_', '-' or '@'");
    }
    NamedToken t{name, Access::kNone, token};
    if (role == "admin") {
      t.role = Access::kAdmin;
    } else if (role == "read") {
      t.role = Access::kRead;
    } else {
      return Status::Invalid(where + ": ROLE must be admin or read");
    }
    if (token.size() < kMinTokenLength) {
      return Status::Invalid(fmt::format("{}: the token of {} is shorter than {} characters", where, name,
                                         kMinTokenLength));
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<Authorizer> Authorizer::Create(std::vector<NamedToken> tokens) {
  std::set<std::string> names;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!names.insert(tokens[i].name).second) {
      return Status::Invalid(fmt::format("token name {} is used twice", tokens[i].name));
    }
    for (size_t j = 0; j < i; ++j) {
      if (!tokens[i].token.empty() && tokens[i].token == tokens[j].token) {
        return Status::Invalid(fmt::format("tokens {} and {} are the same token", tokens[j].name, tokens[i].name));
      }
    }
  }
  return Authorizer(std::move(tokens));
}

Authorizer::Authorizer(std::string admin_token, std::string read_token)
    : tokens_{NamedToken{"admin", Access::kAdmin, std::move(admin_token)},
              NamedToken{"read", Access::kRead, std::move(read_token)}} {}

Caller Authorizer::Identify(std::string_view header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.substr(0, kBearer.size()) != kBearer) return {};
  std::string_view token = header.substr(kBearer.size());
  if (token.empty()) return {};
  // Every comparison runs: which token matched (or that none did) must not
  // show in the timing. Tokens are distinct, so at most one matches.
  const NamedToken* matched = nullptr;
  for (const NamedToken& t : tokens_) {
    const bool equal = ConstantTimeEquals(token, t.token) && !t.token.empty();
    matched = equal ? &t : matched;
  }
  if (matched == nullptr) return {};
  return Caller{matched->role, matched->name};
}

}  // namespace rollcall
