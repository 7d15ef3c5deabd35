#include "runtime/secret_file.h"

#include <fmt/format.h>

#include <sys/stat.h>

#include <fstream>
#include <iterator>

namespace rollcall {

Result<std::string> ReadSecretFile(const std::string& path, const char* flag) {
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) return Status::Invalid(fmt::format("{}: cannot read {}", flag, path));
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.empty()) return Status::Invalid(fmt::format("{}: {} is empty", flag, path));
  return secret;
}

Result<std::string> ReadSecretsText(const std::string& path, const char* flag) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return Status::Invalid(fmt::format("{}: cannot read {}", flag, path));
  if ((st.st_mode & S_IROTH) != 0) {
    return Status::Invalid(fmt::format("{}: {} is readable by every user (chmod 600, or 640 for a group)", flag, path));
  }
  constexpr off_t kMaxBytes = 1 << 20;
  if (st.st_size > kMaxBytes) return Status::Invalid(fmt::format("{}: {} is larger than 1 MiB", flag, path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid(fmt::format("{}: cannot read {}", flag, path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace rollcall
