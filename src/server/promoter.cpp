#include "server/promoter.h"

#include "core/safe_text.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/fencing.h"
#include "core/json_codec.h"

namespace rollcall {
namespace {

// Registry failures: a missing tag is the caller's (404), a transport
// failure may pass (503, which clients retry), the rest is ours (500).
ApiResponse RegistryError(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound: return ErrorResponse(404, s.message());
    case Status::Code::kInvalid: return ErrorResponse(400, s.message());
    case Status::Code::kUnavailable: return ErrorResponse(503, "registry: " + s.message());
    default: return ErrorResponse(500, "registry: " + s.message());
  }
}

}  // namespace

Promoter::Promoter(Store& store, Retagger* retagger, std::string why_not, std::function<int64_t()> now_ms)
    : store_(store), retagger_(retagger), why_not_(std::move(why_not)), now_ms_(std::move(now_ms)) {}

ApiResponse Promoter::Promote(const std::string& channel, std::string_view body, const std::string& actor) {
  if (!IsValidTag(channel)) return ErrorResponse(400, "channel: must be an OCI tag, got \"" + channel + "\"");
  Result<Json> j = ParseJsonObject(body);
  if (!j.ok()) return ErrorResponse(j.status());
  Result<PromoteBody> req = ParsePromoteBody(*j);
  if (!req.ok()) return ErrorResponse(req.status());
  if (req->release.tag == channel) return ErrorResponse(400, "tag: must differ from the channel");
  if (!retagger_) return ErrorResponse(500, "promotion is not configured: " + why_not_);

  std::lock_guard lock(mu_);
  Result<std::optional<FleetFreeze>> freeze = store_.GetFreeze();
  if (!freeze.ok()) return ErrorResponse(freeze.status());
  if (Status s = FreezeRefusal(*freeze, req->rollback); !s.ok()) return ErrorResponse(s);
  Result<std::optional<ChannelRecord>> current = store_.GetChannel(channel);
  if (!current.ok()) return ErrorResponse(current.status());
  Result<std::optional<Release>> desired = store_.DesiredRelease();
  if (!desired.ok()) return ErrorResponse(desired.status());
  PromotionDecision d =
      DecidePromotion({channel, req->release, req->rollback, req->reason, *current, *desired});
  switch (d.kind) {
    case PromotionDecision::Kind::kInvalid: return ErrorResponse(400, d.error);
    case PromotionDecision::Kind::kConflict: return ErrorResponse(409, d.error);
    case PromotionDecision::Kind::kSuperseded: {
      spdlog::warn("promote {} -> {}: refused, superseded by {}", EscapeText(channel),
                   EscapeText(req->release.Describe()), EscapeText(d.newer.Describe()));
      Json out = {{"error", "superseded"}, {"newer", ToJson(d.newer)}};
      if (*current) out["channel"] = ToJson(**current);
      return {409, out};
    }
    case PromotionDecision::Kind::kAccept: break;
  }
  Result<std::string> digest = retagger_->Retag(req->release.tag, channel);
  if (!digest.ok()) {
    spdlog::error("promote {} -> {}: {}", EscapeText(channel), EscapeText(req->release.Describe()),
                  EscapeText(digest.status().message()));
    return RegistryError(digest.status());
  }
  ChannelRecord next{channel, req->release.tag, req->release.seq, *digest, now_ms_(), req->rollback, req->reason, actor};
  if (Status s = store_.RecordPromotion(next, *current); !s.ok()) return ErrorResponse(s);
  for (const auto& w : d.warnings) spdlog::warn("promote {}: {}", EscapeText(channel), EscapeText(w));
  spdlog::info("promoted {}:{} -> {} ({})", retagger_->Name(), EscapeText(channel),
               EscapeText(req->release.Describe()), EscapeText(*digest));
  Json out = ToJson(next);
  out["replaced"] = *current ? ToJson(**current) : Json(nullptr);  // what the channel named before
  if (!d.warnings.empty()) out["warnings"] = d.warnings;
  return {200, out};
}

ApiResponse Promoter::List() {
  Result<std::vector<ChannelRecord>> all = store_.ListChannels();
  if (!all.ok()) return ErrorResponse(all.status());
  Json list = Json::array();
  for (const auto& c : *all) list.push_back(ToJson(c));
  return {200, Json{{"channels", list}}};
}

ApiResponse Promoter::Get(const std::string& channel) {
  Result<std::vector<ChannelRecord>> history = store_.ChannelHistory(channel);
  if (!history.ok()) return ErrorResponse(history.status());
  if (history->empty()) return ErrorResponse(404, "channel " + channel + ": never promoted");
  Json out = ToJson(history->back());
  Json rows = Json::array();
  for (const auto& c : *history) rows.push_back(ToJson(c));
  out["history"] = rows;
  return {200, out};
}

}  // namespace rollcall
