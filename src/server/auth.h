// Bearer-token authorisation for rollcalld. Tokens have names (the actor
// recorded on every mutation: never the token itself) and roles; they are
// compared in constant time, each against every token, and never logged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/secure_compare.h"
#include "core/status.h"

namespace rollcall {

enum class Access { kNone, kRead, kAdmin };

struct NamedToken {
  std::string name;  // the actor: letters, digits, '.', '_', '-', '@'; at most 64
  Access role = Access::kRead;
  std::string token;
};

// Who a request's bearer token names.
struct Caller {
  Access access = Access::kNone;
  std::string name;  // "" unless access is granted
};

// A --tokens-file: one "NAME ROLE TOKEN" per line (role "admin" or "read";
// a token of at least 16 characters); blank lines and lines starting with
// '#' are skipped. Errors name `source` and the line, never a token.
Result<std::vector<NamedToken>> ParseTokensFile(std::string_view text, std::string_view source);

class Authorizer {
 public:
  // Distinct names and distinct tokens (Invalid otherwise, naming them by
  // name); an empty token grants nothing.
  static Result<Authorizer> Create(std::vector<NamedToken> tokens);
  // The single-token variables: named "admin" and "read" (an empty read
  // token means only the admin token can read).
  Authorizer(std::string admin_token, std::string read_token);

  // From an `Authorization` header value ("Bearer <token>").
  Caller Identify(std::string_view authorization_header) const;
  Access Check(std::string_view authorization_header) const { return Identify(authorization_header).access; }

 private:
  explicit Authorizer(std::vector<NamedToken> tokens) : tokens_(std::move(tokens)) {}
  std::vector<NamedToken> tokens_;
};

}  // namespace rollcall
