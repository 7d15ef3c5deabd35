// The ssm driver's per-tenant settings (DESIGN §5): which instance, in
// which region, runs which commands through AWS Systems Manager.
//
//   "ssm": {"instance_id": "i-0abc1234def567890", "region": "eu-west-1",
//           "document": "AWS-RunShellScript",
//           "commands": ["/opt/app/redeploy {image}"],
//           "inspect": ["docker inspect --format '{{.Config.Image}}' app"],
//           "execution_timeout_s": 300}
//
// `commands` and `inspect` are shell command lines run on the instance by
// the document; placeholders ({image}, {tag}, ... and the tenant's vars)
// are substituted per command, and checked like the exec driver's argv
// (core/argv_template.h): `{{.Config.Image}}` is no placeholder. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_reader.h"
#include "core/status.h"

namespace rollcall {

struct SsmSettings {
  std::string instance_id;                   // i-0123456789abcdef0, or mi-... (a managed instance)
  std::string region;                        // eu-west-1
  std::string document = "AWS-RunShellScript";
  std::vector<std::string> commands;         // the deploy
  std::vector<std::string> inspect;          // prints the running image (last line), optional
  int64_t execution_timeout_s = 300;         // the document's executionTimeout

  bool Configured() const { return !instance_id.empty(); }
  bool operator==(const SsmSettings&) const = default;
};

// Reads the "ssm" object; unknown fields are errors naming
// `path` + "ssm." + field. Validation is ValidateSsmSettings.
Result<SsmSettings> ParseSsmSettings(const Json& j, const std::string& path);
Json ToJson(const SsmSettings& s);

// Invalid naming the field: an instance id that is not i-/mi- and 8 or 17
// hex digits, a region that is not one (eu-west-1, us-gov-east-1), a
// document name outside SSM's grammar, no commands, an unknown placeholder
// in a command (`deploy_placeholders` for commands, `inspect_placeholders`
// for inspect), an execution timeout outside 1..172800 s.
Status ValidateSsmSettings(const SsmSettings& s, const std::vector<std::string>& deploy_placeholders,
                           const std::vector<std::string>& inspect_placeholders, std::string_view path);

}  // namespace rollcall
