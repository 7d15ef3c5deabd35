// LedgerTail: a standby's view of the leader's events (DESIGN §9). The
// leader publishes its events as it writes them; a standby, which runs no
// engine, reads what the leader appended to the ledger every `every` and
// publishes it to its own followers, so a client may follow a rollout's
// stream (or GET /v1/events) through any controller, and keep following it
// through a takeover.
//
// On takeover CatchUpAndStop() reads to the end once more (the old leader
// can append nothing after the new epoch) and stops; the new leader's
// engine publishes from there. Followers drop repeated event ids.
//
// Runs on the clock's loop; Start() and Stop() from any thread.
#pragma once

#include <memory>

#include "core/clock.h"
#include "core/events.h"
#include "core/store.h"

namespace rollcall {

class LedgerTail : public std::enable_shared_from_this<LedgerTail> {
 public:
  static constexpr size_t kBatch = 1000;

  // All borrowed; they outlive the tail.
  static std::shared_ptr<LedgerTail> Create(Clock& clock, Store& store, EventSink& sink, Duration every);
  LedgerTail(Clock& clock, Store& store, EventSink& sink, Duration every);  // use Create

  // From the ledger's last event on.
  void Start();
  // Loop only: publishes what is left, then polls no more.
  void CatchUpAndStop();
  void Stop();

 private:
  void Poll();
  bool ReadOnce();  // true when a full batch came (more may wait)

  Clock& clock_;
  Store& store_;
  EventSink& sink_;
  const Duration every_;
  // Loop only.
  bool started_ = false;
  bool stopped_ = false;
  int64_t cursor_ = 0;
  TimerId timer_ = 0;
};

}  // namespace rollcall
