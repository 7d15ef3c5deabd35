// argv templates: ["ssh", "{host}", "/opt/app/redeploy", "{image}"].
//
// A placeholder is `{name}` with name = a letter or `_`, then letters,
// digits, `_`, `-` or `.`. Everything else is literal: other braces (JSON
// text), and `${name}` (shell syntax meant for a remote shell). Values are
// substituted inside each argument and never re-scanned, so a value can
// neither add arguments nor inject placeholders: `; touch /tmp/x` stays one
// literal argument. No shell is involved anywhere.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/driver.h"
#include "core/status.h"

namespace rollcall {

using PlaceholderValues = std::map<std::string, std::string>;

// The substituted argv, or Invalid naming the first unknown placeholder and
// its argument ("argv[2]: unknown placeholder {hots}"). Pure.
Result<std::vector<std::string>> SubstituteArgv(const std::vector<std::string>& argv_template,
                                                const PlaceholderValues& values);

// Invalid naming the first argument that refers to a placeholder outside
// `known` ("argv[2]: unknown placeholder {hots}"). Pure.
Status CheckArgvTemplate(const std::vector<std::string>& argv_template,
                         const std::vector<std::string>& known);

// The placeholders a tenant's templates may use besides its vars: a deploy
// gets every built-in of DeployBuiltins; an inspect, which runs on its own
// (before a deploy, after the health gate, by the drift watch), only {slug}.
const std::vector<std::string>& DeployPlaceholderNames();
const std::vector<std::string>& InspectPlaceholderNames();

// The built-in values of a deploy: image, tag, git_sha, slug, release_seq
// ("" when absent) and rollout_id.
PlaceholderValues DeployBuiltins(const DeployRequest& req);
// `builtins` over the tenant's vars: a built-in wins over a var of its name.
PlaceholderValues WithVars(PlaceholderValues builtins, const Tenant& tenant);

// The environment a command also gets for its built-ins: {"image": x}
// becomes ROLLCALL_IMAGE=x, and so on. Pass built-ins only, never vars.
std::map<std::string, std::string> BuiltinEnvironment(const PlaceholderValues& builtins);

}  // namespace rollcall
