#include "runtime/cli_docs.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include "runtime/build_info.h"
#include "runtime/suggest.h"

namespace rollcall {
namespace {

using Visit = std::function<void(const CLI::App& app, const std::string& path)>;

std::vector<const CLI::App*> Subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

// Every command below `app` (path "tenants list"), depth first.
void EachCommand(const CLI::App& app, const std::string& path, const Visit& visit) {
  visit(app, path);
  for (const CLI::App* sub : Subcommands(app)) {
    EachCommand(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), visit);
  }
}

std::vector<const CLI::Option*> Flags(const CLI::App& app) {
  return app.get_options([](const CLI::Option* o) { return o->nonpositional() && !o->get_group().empty(); });
}

std::vector<std::string> FlagNames(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : Flags(app)) {
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
    for (const auto& s : o->get_snames()) out.push_back("-" + s);
  }
  return out;
}

// Roff: backslashes escaped, hyphens as minus signs, no control word at a
// line's start.
std::string Roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  std::string safe;
  size_t start = 0;
  while (start <= out.size()) {
    const size_t end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && (line[0] == '.' || line[0] == '\'')) line = "\\&" + line;
    safe += line;
    if (end == std::string::npos) break;
    safe += "\n";
    start = end + 1;
  }
  return safe;
}

std::string OptionEntry(const CLI::Option& o) {
  std::vector<std::string> names;
  for (const auto& s : o.get_snames()) names.push_back("\\fB" + Roff("-" + s) + "\\fR");
  for (const auto& l : o.get_lnames()) names.push_back("\\fB" + Roff("--" + l) + "\\fR");
  std::string out = ".TP\n" + fmt::format("{}", fmt::join(names, ", "));
  if (o.get_type_size() > 0) out += " \\fI" + Roff(o.get_type_name().empty() ? "VALUE" : o.get_type_name()) + "\\fR";
  out += "\n" + Roff(o.get_description());
  if (!o.get_envname().empty()) out += " (env " + Roff(o.get_envname()) + ")";
  return out + "\n";
}

std::string Quoted(const std::string& word) { return "'" + word + "'"; }

// The command paths as shell case patterns, and the words each completes.
struct CompletionTable {
  std::vector<std::string> paths;  // "tenants", "tenants list" (not "")
  std::vector<std::pair<std::string, std::vector<std::string>>> words;  // path -> commands and flags
};

CompletionTable TableOf(const CLI::App& app) {
  CompletionTable t;
  EachCommand(app, "", [&](const CLI::App& cmd, const std::string& path) {
    if (!path.empty()) t.paths.push_back(path);
    std::vector<std::string> words;
    for (const CLI::App* sub : Subcommands(cmd)) words.push_back(sub->get_name());
    for (const auto& flag : FlagNames(cmd)) words.push_back(flag);
    // Global flags also follow a command (the parser falls through to them).
    if (!path.empty()) {
      for (const auto& flag : FlagNames(app)) words.push_back(flag);
    }
    t.words.emplace_back(path, std::move(words));
  });
  return t;
}

}  // namespace

std::string ManPage(const CLI::App& app, const std::string& name, const std::string& version,
                    const std::vector<ManSection>& extra) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string out = fmt::format(".\\\" Generated from {}'s command table: do not edit.\n", name);
  out += fmt::format(".TH {} 1 \"\" \"{} {}\" \"Rollcall\"\n", Roff(upper), Roff(name), Roff(version));
  out += ".SH NAME\n" + Roff(name) + " \\- " + Roff(app.get_description()) + "\n";
  out += ".SH SYNOPSIS\n.B " + Roff(name) + "\n[\\fIOPTIONS\\fR]" +
         (Subcommands(app).empty() ? "" : " \\fICOMMAND\\fR [\\fIARGS\\fR]") + "\n";
  out += ".SH OPTIONS\n";
  for (const CLI::Option* o : Flags(app)) out += OptionEntry(*o);
  if (!Subcommands(app).empty()) {
    out += ".SH COMMANDS\n";
    EachCommand(app, "", [&](const CLI::App& cmd, const std::string& path) {
      if (path.empty() || !Subcommands(cmd).empty()) return;  // a group: its commands follow
      out += ".SS \"" + Roff(name + " " + path) + "\"\n" + Roff(cmd.get_description()) + "\n";
      std::vector<std::string> positionals;
      for (const CLI::Option* o : cmd.get_options([](const CLI::Option* o) { return o->get_positional(); })) {
        positionals.push_back(o->get_name());
      }
      if (!positionals.empty()) out += ".PP\nArguments: \\fI" + Roff(fmt::format("{}", fmt::join(positionals, " "))) + "\\fR\n";
      for (const CLI::Option* o : Flags(cmd)) out += OptionEntry(*o);
      if (!cmd.get_footer().empty()) out += ".PP\n.nf\n" + Roff(cmd.get_footer()) + "\n.fi\n";
    });
  } else if (!app.get_footer().empty()) {
    out += ".SH EXAMPLES\n.nf\n" + Roff(app.get_footer()) + "\n.fi\n";
  }
  for (const ManSection& s : extra) {
    out += ".SH " + Roff(s.title) + "\n";
    size_t start = 0;
    while (start < s.text.size()) {
      const size_t end = s.text.find("\n\n", start);
      out += ".PP\n" + Roff(s.text.substr(start, end == std::string::npos ? std::string::npos : end - start)) + "\n";
      if (end == std::string::npos) break;
      start = end + 2;
    }
  }
  return out;
}

std::string BashCompletion(const CLI::App& app, const std::string& name) {
  const CompletionTable t = TableOf(app);
  std::string fn = "_" + name;
  std::replace(fn.begin(), fn.end(), '-', '_');
  std::string known;
  for (const auto& p : t.paths) known += (known.empty() ? "" : "|") + Quoted(p);
  std::string out = fmt::format("# bash completion for {}, generated from its command table.\n", name);
  out += fn + "() {\n  local cur=${COMP_WORDS[COMP_CWORD]} path= next i words\n";
  out += "  for ((i = 1; i < COMP_CWORD; i++)); do\n    next=${path:+$path }${COMP_WORDS[i]}\n";
  if (!known.empty()) out += "    case $next in\n      " + known + ") path=$next ;;\n    esac\n";
  out += "  done\n  case $path in\n";
  for (const auto& [path, words] : t.words) {
    out += fmt::format("    {}) words={} ;;\n", Quoted(path), Quoted(fmt::format("{}", fmt::join(words, " "))));
  }
  out += "  esac\n  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n";
  out += fmt::format("complete -o default -F {} {}\n", fn, name);
  return out;
}

std::string ZshCompletion(const CLI::App& app, const std::string& name) {
  const CompletionTable t = TableOf(app);
  std::string known;
  for (const auto& p : t.paths) known += (known.empty() ? "" : "|") + Quoted(p);
  std::string out = fmt::format("#compdef {}\n# zsh completion for {}, generated from its command table.\n", name, name);
  std::string fn = "_" + name;
  std::replace(fn.begin(), fn.end(), '-', '_');
  out += fn + "() {\n  local path_= next_ w\n  local -a words_\n";
  out += "  for w in ${words[2,CURRENT-1]}; do\n    next_=${path_:+$path_ }$w\n";
  if (!known.empty()) out += "    case $next_ in\n      (" + known + ") path_=$next_ ;;\n    esac\n";
  out += "  done\n  case $path_ in\n";
  for (const auto& [path, words] : t.words) {
    out += fmt::format("    ({}) words_=({}) ;;\n", Quoted(path), fmt::join(words, " "));
  }
  out += "  esac\n  compadd -- $words_\n}\n" + fn + " \"$@\"\n";
  return out;
}

std::string DidYouMean(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* current = &app;
  std::vector<const CLI::App*> chain = {&app};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-') {
      const std::string flag = arg.substr(0, arg.find('='));
      const CLI::Option* known = nullptr;
      std::vector<std::string> names;
      for (const CLI::App* scope : chain) {
        for (const CLI::Option* o : Flags(*scope)) {
          for (const auto& l : o->get_lnames()) {
            names.push_back("--" + l);
            if (flag == "--" + l) known = o;
          }
          for (const auto& s : o->get_snames()) {
            names.push_back("-" + s);
            if (flag == "-" + s) known = o;
          }
        }
      }
      if (flag == "--help" || flag == "-h" || flag == "--version") return "";
      if (known == nullptr) {
        std::optional<std::string> near = Suggest(flag, names);
        return near ? fmt::format("unknown flag {}: did you mean {}?", flag, *near) : "";
      }
      if (known->get_type_size() > 0 && arg.find('=') == std::string::npos) ++i;  // its value
      continue;
    }
    std::vector<std::string> commands;
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : Subcommands(*current)) {
      commands.push_back(sub->get_name());
      if (sub->get_name() == arg) next = sub;
    }
    if (next != nullptr) {
      current = next;
      chain.push_back(next);
    } else if (!commands.empty() && current->get_require_subcommand_min() > 0) {
      std::optional<std::string> near = Suggest(arg, commands);
      return near ? fmt::format("unknown command \"{}\": did you mean \"{}\"?", arg, *near) : "";
    }
  }
  return "";
}

std::optional<int> ParseCommandLine(CLI::App& app, const std::string& name, int argc, char** argv,
                                    const std::vector<ManSection>& man_extra) {
  if (argc == 2) {
    const std::string only = argv[1];
    std::string text;
    if (only == "--man") text = ManPage(app, name, kBuildVersion, man_extra);
    if (only == "--completion-bash") text = BashCompletion(app, name);
    if (only == "--completion-zsh") text = ZshCompletion(app, name);
    if (!text.empty()) {
      std::fputs(text.c_str(), stdout);
      return 0;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::fprintf(stderr, "%s: %s\n", name.c_str(), message.c_str());
    const std::string hint = DidYouMean(app, std::vector<std::string>(argv + 1, argv + argc));
    if (!hint.empty()) std::fprintf(stderr, "%s: %s\n", name.c_str(), hint.c_str());
    return 2;
  }
  return std::nullopt;
}

}  // namespace rollcall
