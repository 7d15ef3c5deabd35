// Text from outside (paths, queries, header values, command output, request
// fields) on its way into an error message, a log line or a JSON answer.
// Invalid UTF-8 and control characters are escaped, so a request can
// neither forge a log line ("%0A") nor make a JSON serialiser throw ("%FF").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace rollcall {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

// `text` with every invalid UTF-8 byte and every control character (C0, DEL;
// tab included) written as \xNN and a backslash as \\. Valid printable UTF-8
// passes unchanged. The result is always valid UTF-8 on one line.
std::string EscapeText(std::string_view text);

// json.dump() that never throws: invalid UTF-8 inside strings becomes U+FFFD.
std::string DumpJson(const nlohmann::json& j);

}  // namespace rollcall
