// Bearer-token authorisation for rollcalld. Tokens are compared in constant
// time and never logged.
#pragma once

#include <string>
#include <string_view>

#include "core/secure_compare.h"

namespace rollcall {

enum class Access { kNone, kRead, kAdmin };

class Authorizer {
 public:
  // An empty read token means only the admin token can read.
  Authorizer(std::string admin_token, std::string read_token)
      : admin_(std::move(admin_token)), read_(std::move(read_token)) {}

  // From an `Authorization` header value ("Bearer <token>").
  Access Check(std::string_view authorization_header) const;

 private:
  const std::string admin_;
  const std::string read_;
};

}  // namespace rollcall
