#include "core/ssm_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "core/argv_template.h"

namespace rollcall {
namespace {

Status FieldError(std::string_view path, std::string_view field, std::string_view what) {
  return Status::Invalid(fmt::format("{}ssm.{}: {}", path, field, what));
}


// "argv[1]: unknown placeholder {x}" -> "ssm.commands[1]: unknown placeholder {x}"
Status CheckCommands(const std::vector<std::string>& commands, const std::vector<std::string>& known,
                     std::string_view path, std::string_view field) {
  Status s = CheckArgvTemplate(commands, known);
  if (s.ok()) return s;
  std::string message = s.message();
  if (message.rfind("argv", 0) == 0) message.replace(0, 4, std::string(field));
  return Status::Invalid(fmt::format("{}ssm.{}", path, message));
}

}  // namespace

Result<SsmSettings> ParseSsmSettings(const Json& j, const std::string& path) {
  SsmSettings s;
  FieldReader r(j, path + "ssm.");
  r.Require("instance_id");
  r.Read("instance_id", s.instance_id);
  r.Require("region");
  r.Read("region", s.region);
  r.Read("document", s.document);
  r.Require("commands");
  r.Read("commands", s.commands);
  r.Read("inspect", s.inspect);
  r.Read("execution_timeout_s", s.execution_timeout_s);
  if (Status st = r.Finish(); !st.ok()) return st;
  return s;
}

Json ToJson(const SsmSettings& s) {
  return {{"instance_id", s.instance_id}, {"region", s.region}, {"document", s.document},
          {"commands", s.commands},       {"inspect", s.inspect}, {"execution_timeout_s", s.execution_timeout_s}};
}

Status ValidateSsmSettings(const SsmSettings& s, const std::vector<std::string>& deploy_placeholders,
                           const std::vector<std::string>& inspect_placeholders, std::string_view path) {
  static const std::regex kInstance("(i-([0-9a-f]{8}|[0-9a-f]{17})|mi-[0-9a-f]{17})");
  static const std::regex kRegion("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
  static const std::regex kDocument("[a-zA-Z0-9_.:/-]{3,128}");
  if (!std::regex_match(s.instance_id, kInstance)) {
    return FieldError(path, "instance_id",
                      fmt::format("must be an EC2 instance id (i- and 8 or 17 hex digits) or a managed "
                                  "instance's (mi- and 17), got \"{}\"",
                                  s.instance_id));
  }
  if (!std::regex_match(s.region, kRegion)) {
    return FieldError(path, "region", fmt::format("must be an AWS region such as eu-west-1, got \"{}\"", s.region));
  }
  if (!std::regex_match(s.document, kDocument)) {
    return FieldError(path, "document", "must be an SSM document name such as AWS-RunShellScript");
  }
  if (s.commands.empty()) return FieldError(path, "commands", "must be a non-empty list of command lines");
  for (size_t i = 0; i < s.commands.size(); ++i) {
    if (s.commands[i].empty()) return FieldError(path, fmt::format("commands[{}]", i), "must not be empty");
  }
  if (Status st = CheckCommands(s.commands, deploy_placeholders, path, "commands"); !st.ok()) return st;
  if (Status st = CheckCommands(s.inspect, inspect_placeholders, path, "inspect"); !st.ok()) return st;
  if (s.execution_timeout_s < 1 || s.execution_timeout_s > 172800) {
    return FieldError(path, "execution_timeout_s", "must be 1 to 172800 seconds");
  }
  return Status::Ok();
}

}  // namespace rollcall
