#include "server/ledger_tail.h"

#include <spdlog/spdlog.h>

#include "core/safe_text.h"

namespace rollcall {

std::shared_ptr<LedgerTail> LedgerTail::Create(Clock& clock, Store& store, EventSink& sink, Duration every) {
  return std::make_shared<LedgerTail>(clock, store, sink, every);
}

LedgerTail::LedgerTail(Clock& clock, Store& store, EventSink& sink, Duration every)
    : clock_(clock), store_(store), sink_(sink), every_(every) {}

void LedgerTail::Start() {
  clock_.Post([weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    Result<int64_t> head = self->store_.LastEventId();
    // A store that cannot answer yet: from the beginning would replay the
    // whole ledger to nobody; retry the head on the next poll instead.
    if (head.ok()) {
      self->cursor_ = *head;
      self->started_ = true;
    }
    self->timer_ = self->clock_.CallAfter(self->every_, [weak] {
      if (auto s = weak.lock()) s->Poll();
    });
  });
}

void LedgerTail::Stop() {
  clock_.Post([weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->stopped_ = true;
      self->clock_.Cancel(self->timer_);
    }
  });
}

void LedgerTail::CatchUpAndStop() {
  if (stopped_) return;
  clock_.Cancel(timer_);
  if (started_) {
    while (ReadOnce()) {
    }
  }
  stopped_ = true;
}

void LedgerTail::Poll() {
  if (stopped_) return;
  if (!started_) {
    Result<int64_t> head = store_.LastEventId();
    if (head.ok()) {
      cursor_ = *head;
      started_ = true;
    }
  } else {
    while (ReadOnce()) {
    }
  }
  timer_ = clock_.CallAfter(every_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->Poll();
  });
}

bool LedgerTail::ReadOnce() {
  Result<std::vector<RolloutEvent>> events = store_.FleetEventsAfter(cursor_, kBatch);
  if (!events.ok()) {
    spdlog::debug("ledger tail: {}", EscapeText(events.status().message()));
    return false;
  }
  for (const RolloutEvent& e : *events) {
    cursor_ = std::max(cursor_, e.id);
    sink_.Publish(e);
  }
  return events->size() == kBatch;
}

}  // namespace rollcall
