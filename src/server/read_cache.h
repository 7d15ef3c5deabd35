// ReadCache: the last good answer of each read route, kept so that reads
// keep working while the ledger cannot be reached (a PostgreSQL restart or
// partition): a read that fails 503 answers with the answer it last gave,
// marked stale (Age, Warning). Least recently used answers go first once
// the cache holds `max_bytes`; an answer larger than an eighth of it is not
// kept. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace rollcall {

class ReadCache {
 public:
  explicit ReadCache(size_t max_bytes = size_t{64} << 20) : max_bytes_(max_bytes) {}

  struct Answer {
    std::string body;
    int64_t at_ms = 0;  // when it was the route's answer
  };

  // `body` is the route's good answer for `key` (a request target) at `at_ms`.
  void Remember(const std::string& key, const std::string& body, int64_t at_ms);
  std::optional<Answer> Recall(const std::string& key);
  size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    Answer answer;
  };
  void EvictOverBudget();  // requires mu_

  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first; guarded by mu_
  std::map<std::string, std::list<Entry>::iterator> by_key_;  // guarded by mu_
  size_t bytes_ = 0;                                          // guarded by mu_
};

}  // namespace rollcall
