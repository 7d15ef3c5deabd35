// WorkerThreads: a thread per blocking operation of a driver (an exec
// command, a container swap), each with a way to cancel it.
//
// A driver's operations are bounded by the rollout's parallelism, and each
// blocks on a process or an engine for up to minutes; a thread each keeps
// them independent. Finished threads are joined when the next one starts;
// the destructor cancels every operation still running and joins them all,
// so it must not run on a worker (inside a driver's callback). Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace rollcall {

class WorkerThreads {
 public:
  // `owner` names the driver in messages ("exec driver").
  explicit WorkerThreads(std::string owner) : owner_(std::move(owner)) {}
  ~WorkerThreads();
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // Runs `body` on a new thread; `cancel` (called from the destructor) makes
  // it return soon. An exception escaping `body` is logged, never fatal.
  // Internal when no thread can be started; `body` then never runs.
  Status Start(std::function<void()> body, std::function<void()> cancel);

 private:
  struct Worker {
    std::function<void()> cancel;
    std::shared_ptr<std::atomic<bool>> finished;
    std::thread thread;
  };
  void JoinFinishedLocked();

  const std::string owner_;
  std::mutex mu_;
  std::list<Worker> workers_;  // guarded by mu_
};

}  // namespace rollcall
