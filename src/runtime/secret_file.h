// Secrets (tokens, registry passwords) read from a file, so they never
// appear in argv where every local user can see them.
#pragma once

#include <string>

#include "core/status.h"

namespace rollcall {

// The file's first line without trailing spaces or CR; Invalid naming
// `flag` and the path when it cannot be read or is empty. Never returns
// the content in a message.
Result<std::string> ReadSecretFile(const std::string& path, const char* flag);
// A whole file of secrets (e.g. --tokens-file), at most 1 MiB, refused when
// every user may read it; errors name `flag` and the path, never the text.
Result<std::string> ReadSecretsText(const std::string& path, const char* flag);

}  // namespace rollcall
