// The read commands (DESIGN §6): status, tenants list, fleet, channels,
// history, audit. Each prints a table by default, or the server's answer as
// -o json|yaml (--json), or a wider table with -o wide.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <functional>

#include "cli/audit_table.h"
#include "cli/command_support.h"
#include "cli/fleet_table.h"
#include "cli/output.h"
#include "cli/read_tables.h"
#include "cli/report.h"
#include "core/types.h"

namespace rollcall {
namespace {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// GETs `path` and prints it as `g` asks: JSON or YAML as the server sent
// it, else `table(answer, wide)`.
int PrintRead(const Globals& g, const std::string& path, const std::string& what,
              const std::function<std::string(const Json&, bool wide)>& table) {
  Result<OutputFormat> format = ParseOutputFormat(g.output, g.json);
  if (!format.ok()) return FailWith(format.status());
  auto client = ServerClient(g);
  if (!client.ok()) return FailWith(client.status());
  Result<Json> answer = Expect(**client, "GET", path, 200, what);
  if (!answer.ok()) return FailWith(answer.status());
  const std::string text = *format == OutputFormat::kJson || *format == OutputFormat::kYaml
                               ? Formatted(*answer, *format)
                               : table(*answer, *format == OutputFormat::kWide);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

// Query values: names, kinds, ids, states and RFC 3339 times are plain
// ([A-Za-z0-9._@:-]), so nothing needs escaping; anything else is a typo.
Status CheckPlain(const std::string& value, const char* flag) {
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@' || c == ':';
  });
  return plain ? Status::Ok() : Status::Invalid(fmt::format("{}: letters, digits and . _ - @ : only", flag));
}

// "?limit=N&state=S&cursor=C" for the set ones; Invalid naming the flag.
Result<std::string> PageQuery(const PageFlags& p) {
  if (p.limit < 1 || p.limit > 1000) return Status::Invalid("--limit: 1 to 1000");
  std::string query = fmt::format("?limit={}", p.limit);
  if (!p.state.empty()) {
    if (Result<RolloutState> s = ParseRolloutState(p.state); !s.ok()) return s.status().Prefixed("--state: ");
    query += "&state=" + p.state;
  }
  if (!p.cursor.empty()) {
    if (Status s = CheckPlain(p.cursor, "--cursor"); !s.ok()) return s;
    query += "&cursor=" + p.cursor;
  }
  return query;
}

}  // namespace

int CmdStatus(const Globals& g, const std::string& id, const PageFlags& page) {
  if (!id.empty()) {
    if (Status s = CheckPlain(id, "ID"); !s.ok()) return FailWith(s);
    return PrintRead(g, "/v1/rollouts/" + id, "status", [](const Json& rollout, bool) {
      Result<ClientGate> gate = GateOf(rollout);
      std::string out = RolloutHeader(rollout);
      if (gate.ok()) out += "\n" + RenderTable(gate->rollout.results);
      return out;
    });
  }
  Result<std::string> query = PageQuery(page);
  if (!query.ok()) return FailWith(query.status());
  return PrintRead(g, "/v1/rollouts" + *query, "status",
                   [](const Json& answer, bool wide) { return RolloutsTable(answer, NowMillis(), wide); });
}

int CmdTenantsList(const Globals& g) { return PrintRead(g, "/v1/tenants", "tenants list", TenantsTable); }

int CmdFleet(const Globals& g) {
  return PrintRead(g, "/v1/fleet", "fleet",
                   [](const Json& answer, bool wide) { return FleetTable(answer, NowMillis(), wide); });
}

int CmdChannels(const Globals& g, const std::string& channel) {
  if (channel.empty()) return PrintRead(g, "/v1/channels", "channels", ChannelsTable);
  if (Status s = CheckTag(channel, "CHANNEL"); !s.ok()) return FailWith(s);
  return PrintRead(g, "/v1/channels/" + channel, "channels", ChannelHistoryTable);
}

int CmdHistory(const Globals& g, const PageFlags& page) {
  Result<std::string> query = PageQuery(page);
  if (!query.ok()) return FailWith(query.status());
  return PrintRead(g, "/v1/rollouts" + *query, "history",
                   [](const Json& answer, bool wide) { return HistoryTable(answer, NowMillis(), wide); });
}

int CmdAudit(const Globals& g, const AuditFilter& f) {
  for (const auto& [flag, value] : {std::pair<const char*, const std::string&>{"--actor", f.actor},
                                    {"--kind", f.kind}, {"--since", f.since}}) {
    if (Status s = CheckPlain(value, flag); !s.ok()) return FailWith(s);
  }
  if (f.limit < 1 || f.limit > 1000) return FailWith(Status::Invalid("--limit: 1 to 1000"));
  std::string path = fmt::format("/v1/audit?limit={}", f.limit);
  if (!f.actor.empty()) path += "&actor=" + f.actor;
  if (!f.kind.empty()) path += "&kind=" + f.kind;
  if (!f.since.empty()) path += "&since=" + f.since;
  if (f.cursor > 0) path += fmt::format("&cursor={}", f.cursor);
  return PrintRead(g, path, "audit", [](const Json& answer, bool) { return AuditTable(answer); });
}

}  // namespace rollcall
