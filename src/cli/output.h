// How a read command prints (-o): a table by default, a wider table, JSON
// or YAML of the server's answer. Pure.
#pragma once

#include <string>

#include "core/json_reader.h"
#include "core/status.h"

namespace rollcall {

enum class OutputFormat { kTable, kWide, kJson, kYaml };

// "" (the table; JSON when `json_flag`), "wide", "json", "yaml"; Invalid
// naming -o otherwise.
Result<OutputFormat> ParseOutputFormat(const std::string& text, bool json_flag);

// `j` as a YAML document (block style; strings quoted whenever a plain
// scalar could read back as something else). Ends in "\n".
std::string ToYaml(const Json& j);

// `answer` as JSON (indented) or YAML; "" for the table formats.
std::string Formatted(const Json& answer, OutputFormat format);

}  // namespace rollcall
