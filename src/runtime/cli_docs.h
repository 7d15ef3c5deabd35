// What each binary's command table (its CLI11 App) also gives: a man page,
// shell completion for bash and zsh, and "did you mean" for a mistyped
// command or flag. Generated from the same table the parser uses, so they
// never fall behind it. (CLI11 stays out of this header.)
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}

namespace rollcall {

struct ManSection {
  std::string title;  // "EXIT STATUS"
  std::string text;   // plain text; paragraphs split by blank lines
};

// A roff man page (section 1) for `app` named `name`: NAME, SYNOPSIS,
// OPTIONS, one COMMANDS entry per subcommand (its options and examples),
// then `extra` sections.
std::string ManPage(const CLI::App& app, const std::string& name, const std::string& version,
                    const std::vector<ManSection>& extra = {});

// A bash completion script completing `name`'s commands and flags
// (`complete -F _<name> <name>`).
std::string BashCompletion(const CLI::App& app, const std::string& name);
// The zsh completion function file `_<name>` (#compdef).
std::string ZshCompletion(const CLI::App& app, const std::string& name);

// One line naming the first mistyped command or flag in `args` (argv
// without the program) and the nearest known one, e.g. `unknown command
// "rolout": did you mean "rollout"?`; "" when no typo is near anything.
std::string DidYouMean(const CLI::App& app, const std::vector<std::string>& args);

// Parses argv as every Rollcall binary does: --help and --version answered
// (0); a usage error as one line on stderr, prefixed with `name` and
// followed by a "did you mean" when a typo is near (2); the hidden
// `--man`, `--completion-bash` and `--completion-zsh`, given alone, print
// what they name (0), for packaging. nullopt: parsed, the program goes on.
std::optional<int> ParseCommandLine(CLI::App& app, const std::string& name, int argc, char** argv,
                                    const std::vector<ManSection>& man_extra = {});

}  // namespace rollcall
