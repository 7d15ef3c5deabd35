#include "server/read_cache.h"

namespace rollcall {

void ReadCache::Remember(const std::string& key, const std::string& body, int64_t at_ms) {
  std::lock_guard lock(mu_);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    bytes_ -= it->second->key.size() + it->second->answer.body.size();
    entries_.erase(it->second);
    by_key_.erase(it);
  }
  if (key.size() + body.size() > max_bytes_ / 8) return;  // one huge answer must not empty the cache
  entries_.push_front(Entry{key, Answer{body, at_ms}});
  by_key_[key] = entries_.begin();
  bytes_ += key.size() + body.size();
  EvictOverBudget();
}

std::optional<ReadCache::Answer> ReadCache::Recall(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, it->second);
  return it->second->answer;
}

size_t ReadCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

void ReadCache::EvictOverBudget() {
  while (bytes_ > max_bytes_ && !entries_.empty()) {
    const Entry& last = entries_.back();
    bytes_ -= last.key.size() + last.answer.body.size();
    by_key_.erase(last.key);
    entries_.pop_back();
  }
}

}  // namespace rollcall
