#include "server/auth.h"

namespace rollcall {

Access Authorizer::Check(std::string_view header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.substr(0, kBearer.size()) != kBearer) return Access::kNone;
  std::string_view token = header.substr(kBearer.size());
  if (token.empty()) return Access::kNone;
  // Both comparisons always run: which token matched must not show in timing.
  const bool admin = !admin_.empty() && ConstantTimeEquals(token, admin_);
  const bool read = !read_.empty() && ConstantTimeEquals(token, read_);
  if (admin) return Access::kAdmin;
  return read ? Access::kRead : Access::kNone;
}

}  // namespace rollcall
