// `rollcall undo [--to SEQ] --reason TEXT`: roll the fleet back to the
// release before the desired one, through the fenced rollback path (a
// rollout with "rollback": true and the reason), followed like `rollout`.
#include <cstdio>
#include <fmt/format.h>

#include "cli/command_support.h"
#include "cli/stages.h"
#include "cli/undo.h"
#include "core/json_codec.h"

namespace rollcall {
namespace {

// Succeeded rollouts, newest first, until one is a target (pages of 100,
// at most `kPages` of them).
Result<UndoTarget> FindTarget(ApiClient& client, const Release& desired, std::optional<int64_t> to_seq) {
  constexpr int kPages = 50;
  std::string cursor;
  Result<UndoTarget> target = Status::NotFound("");
  for (int page = 0; page < kPages; ++page) {
    std::string path = "/v1/rollouts?state=succeeded&limit=100";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    Result<Json> answer = Expect(client, "GET", path, 200, "undo: reading the rollouts");
    if (!answer.ok()) return answer.status();
    target = PickUndoTarget(desired, answer->value("rollouts", std::vector<Json>{}), to_seq);
    if (target.ok() || target.status().code() != Status::Code::kNotFound) return target;
    const Json next = answer->value("next_cursor", Json());
    if (!next.is_string()) break;
    cursor = next.get<std::string>();
  }
  return target;
}

}  // namespace

int CmdUndo(const Globals& g, std::optional<int64_t> to_seq, const RolloutFlags& flags) {
  if (flags.reason.empty()) return Fail(kExitUsage, "--reason: required (why the fleet goes back, for the ledger)");
  auto client = ServerClient(g);
  if (!client.ok()) return FailWith(client.status());
  Result<Json> fleet = Expect(**client, "GET", "/v1/fleet", 200, "undo: reading the desired release");
  if (!fleet.ok()) return FailWith(fleet.status());
  const Json desired_json = fleet->value("desired_release", Json());
  if (!desired_json.is_object()) return Fail(kExitFailed, "undo: the fleet has no desired release yet: nothing to undo");
  Result<Release> desired = ParseRelease(desired_json, "desired_release.");
  if (!desired.ok()) return FailWith(desired.status());
  Result<UndoTarget> target = FindTarget(**client, *desired, to_seq);
  if (!target.ok()) {
    return target.status().code() == Status::Code::kInvalid ? FailWith(target.status())
                                                            : Fail(kExitFailed, "undo: " + target.status().message());
  }
  std::printf("undo: from %s back to %s (verified by rollout %s): %s\n", desired->Describe().c_str(),
              target->release.Describe().c_str(), target->rollout_id.c_str(), flags.reason.c_str());
  RolloutFlags f = flags;
  f.tag = target->release.tag;
  f.sha = target->release.git_sha;
  f.rollback = true;
  return RunRolloutStage(g, f, target->release.seq).exit;
}

}  // namespace rollcall
