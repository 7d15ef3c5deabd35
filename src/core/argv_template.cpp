#include "core/argv_template.h"

#include <fmt/format.h>

#include <cctype>

namespace rollcall {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// Length of the placeholder name starting at text[open + 1] when
// text[open] opens a placeholder; 0 when the brace is literal.
size_t PlaceholderNameLength(const std::string& text, size_t open) {
  if (open > 0 && text[open - 1] == '$') return 0;  // ${VAR}: for a shell, not for us
  size_t begin = open + 1;
  if (begin >= text.size() || !IsNameStart(text[begin])) return 0;
  size_t end = begin + 1;
  while (end < text.size() && IsNameChar(text[end])) ++end;
  return end < text.size() && text[end] == '}' ? end - begin : 0;
}

Result<std::string> SubstituteOne(const std::string& text, const PlaceholderValues& values) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    if (open == std::string::npos) break;
    size_t length = PlaceholderNameLength(text, open);
    out.append(text, pos, open - pos);
    if (length == 0) {
      out.push_back('{');
      pos = open + 1;
      continue;
    }
    std::string name = text.substr(open + 1, length);
    auto value = values.find(name);
    if (value == values.end()) {
      return Status::Invalid(fmt::format("unknown placeholder {{{}}}", name));
    }
    out += value->second;
    pos = open + length + 2;
  }
  if (pos < text.size()) out.append(text, pos);
  return out;
}

}  // namespace

Result<std::vector<std::string>> SubstituteArgv(const std::vector<std::string>& argv_template,
                                                const PlaceholderValues& values) {
  std::vector<std::string> argv;
  argv.reserve(argv_template.size());
  for (size_t i = 0; i < argv_template.size(); ++i) {
    Result<std::string> arg = SubstituteOne(argv_template[i], values);
    if (!arg.ok()) return arg.status().Prefixed(fmt::format("argv[{}]: ", i));
    argv.push_back(std::move(arg).value());
  }
  return argv;
}

Status CheckArgvTemplate(const std::vector<std::string>& argv_template,
                         const std::vector<std::string>& known) {
  PlaceholderValues values;
  for (const auto& name : known) values[name] = "";
  Result<std::vector<std::string>> checked = SubstituteArgv(argv_template, values);
  return checked.ok() ? Status::Ok() : checked.status();
}

const std::vector<std::string>& DeployPlaceholderNames() {
  static const std::vector<std::string> names = {"image", "tag", "git_sha", "slug", "release_seq", "rollout_id"};
  return names;
}

const std::vector<std::string>& InspectPlaceholderNames() {
  static const std::vector<std::string> names = {"slug"};
  return names;
}

PlaceholderValues DeployBuiltins(const DeployRequest& req) {
  PlaceholderValues values;
  values["image"] = req.image;
  values["tag"] = req.release.tag;
  values["git_sha"] = req.release.git_sha;
  values["slug"] = req.tenant.slug;
  values["release_seq"] = req.release.seq ? std::to_string(*req.release.seq) : "";
  values["rollout_id"] = req.rollout_id;
  return values;
}

PlaceholderValues WithVars(PlaceholderValues builtins, const Tenant& tenant) {
  // map::insert keeps existing keys, so the built-ins win.
  builtins.insert(tenant.vars.begin(), tenant.vars.end());
  return builtins;
}

std::map<std::string, std::string> BuiltinEnvironment(const PlaceholderValues& builtins) {
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : builtins) {
    std::string key = "ROLLCALL_";
    for (char c : name)
      key.push_back(c == '-' || c == '.' ? '_' : static_cast<char>(std::toupper(c)));
    env[key] = value;
  }
  return env;
}

}  // namespace rollcall
