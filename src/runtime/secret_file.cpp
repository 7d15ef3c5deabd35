#include "runtime/secret_file.h"

#include <fmt/format.h>

#include <fstream>

namespace rollcall {

Result<std::string> ReadSecretFile(const std::string& path, const char* flag) {
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) return Status::Invalid(fmt::format("{}: cannot read {}", flag, path));
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.empty()) return Status::Invalid(fmt::format("{}: {} is empty", flag, path));
  return secret;
}

}  // namespace rollcall
