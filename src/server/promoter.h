// Promoter: fenced promotion of a channel tag (DESIGN §3.9, §4): decide
// with DecidePromotion, retag through the registry, record in the ledger.
//
// Promotions are serialised here (one at a time, the retag included), and
// the ledger write is a compare-and-set on the channel's record, so two
// racing promotions can never both move a channel, even across processes
// sharing a store. Thread-safe: called from HTTP worker threads.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/store.h"
#include "server/control_plane.h"

namespace rollcall {

// The registry side of a promotion; injected so fencing is tested without
// a registry.
class Retagger {
 public:
  Retagger() = default;
  Retagger(const Retagger&) = delete;
  Retagger& operator=(const Retagger&) = delete;
  virtual ~Retagger() = default;
  // Points `channel` at the manifest `tag` points at and returns the digest
  // the registry confirmed. NotFound naming `tag` when it does not exist
  // (nothing changed); Invalid, Unavailable or Internal otherwise.
  virtual Result<std::string> Retag(const std::string& tag, const std::string& channel) = 0;
  // "registry.example/app", for messages.
  virtual std::string Name() const = 0;
};

class Promoter {
 public:
  // `store` and `retagger` are borrowed and outlive the promoter; a null
  // `retagger` means no registry is configured (`why_not` says why) and
  // every promotion is refused. `now_ms` is the wall clock.
  Promoter(Store& store, Retagger* retagger, std::string why_not, std::function<int64_t()> now_ms);

  // POST /v1/channels/{channel}/promote: 200 with the channel's new record;
  // 409 {"error":"superseded","newer":{...}} when fenced; 400 for a bad body
  // or a rollback without a reason; 404 when the source tag is missing.
  ApiResponse Promote(const std::string& channel, std::string_view body, const std::string& actor = "");
  // GET /v1/channels: {"channels":[...]}.
  ApiResponse List();
  // GET /v1/channels/{channel}: the record and its history (who moved it
  // where, and why).
  ApiResponse Get(const std::string& channel);

 private:
  Store& store_;
  Retagger* const retagger_;
  const std::string why_not_;
  const std::function<int64_t()> now_ms_;
  std::mutex mu_;  // one promotion at a time: decide, retag, record
};

}  // namespace rollcall
