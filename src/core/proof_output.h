// What counts as running-image proof in a command's stdout (DESIGN §5): the
// deploy or inspect command itself must print it, and it must be a valid
// OCI image reference. One parser for the exec driver, the agent and (later)
// every driver that runs commands. Pure.
//
//   ROLLCALL_RUNNING_IMAGE=<image>   (or REDEPLOY_RUNNING_IMAGE=<image>)
//
// on a line of its own (surrounding whitespace allowed). The last such line
// with a value decides; if its value is not a valid image reference there is
// no proof at all.
#pragma once

#include <string>
#include <string_view>

namespace rollcall {

// The image the last marker line names; "" when there is none or it is not
// a valid image reference.
std::string RunningImageMarker(std::string_view stdout_text);
// The last non-empty line, trimmed of surrounding whitespace; "" if none.
std::string LastNonEmptyLine(std::string_view text);
// What an inspect command's stdout proves: its marker line if it printed
// one, else its last non-empty line when that is a valid image reference
// (e.g. `docker inspect --format '{{.Config.Image}}' app`); "" otherwise.
std::string InspectedImage(std::string_view stdout_text);

}  // namespace rollcall
