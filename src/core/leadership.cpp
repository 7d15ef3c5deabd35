#include "core/leadership.h"

#include <algorithm>

namespace rollcall {

void Leadership::Acquired(int64_t epoch, TimePoint sent_at) {
  epoch_ = epoch;
  act_until_ = sent_at + config_.ttl - config_.margin;
  next_attempt_ = sent_at + config_.renew_every;
}

void Leadership::AcquireRefused(TimePoint sent_at) { next_attempt_ = sent_at + config_.renew_every; }

void Leadership::Renewed(TimePoint sent_at) {
  if (!epoch_) return;
  // A renewal that was slow to answer never shortens what a later one gave.
  act_until_ = std::max(act_until_, sent_at + config_.ttl - config_.margin);
  next_attempt_ = std::max(next_attempt_, sent_at + config_.renew_every);
}

void Leadership::Lost(std::string why) {
  epoch_.reset();
  act_until_ = TimePoint{};
  last_loss_ = std::move(why);
}

bool Leadership::MayAct(TimePoint now) const { return epoch_.has_value() && now < act_until_; }

}  // namespace rollcall
