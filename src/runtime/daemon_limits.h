// What a long-running server claims from the system at start: the open-file
// limit its connections need, and sole ownership of its ledger.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace rollcall {

// Raises the soft open-file limit to the hard limit (thousands of sockets
// need thousands of descriptors; the soft limit is often 1024). Returns the
// soft limit in force afterwards.
size_t RaiseOpenFileLimit();

// An exclusive lock on `<path>.lock` (flock), holding the owner's pid, so a
// second process on the same ledger refuses to start. Released when the
// object is destroyed or the process dies (the kernel drops flock locks).
class LedgerLock {
 public:
  // Conflict naming the file and the holder's pid when another process
  // holds it; Unavailable when the lock file cannot be opened.
  static Result<std::unique_ptr<LedgerLock>> Acquire(const std::string& path);
  ~LedgerLock();
  LedgerLock(const LedgerLock&) = delete;
  LedgerLock& operator=(const LedgerLock&) = delete;

 private:
  explicit LedgerLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace rollcall
