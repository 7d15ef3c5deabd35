#include "runtime/worker_threads.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <system_error>

namespace rollcall {

WorkerThreads::~WorkerThreads() {
  std::list<Worker> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (Worker& worker : workers) worker.cancel();
  for (Worker& worker : workers) worker.thread.join();
}

Status WorkerThreads::Start(std::function<void()> body, std::function<void()> cancel) {
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(mu_);
  JoinFinishedLocked();
  try {
    std::thread thread([this, finished, body = std::move(body)] {
      // `body` calls the caller's callback; an exception from it must not
      // terminate the process from a thread nobody waits on.
      try {
        body();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: callback threw: %s\n", owner_.c_str(), e.what());
      } catch (...) {
        std::fprintf(stderr, "%s: callback threw\n", owner_.c_str());
      }
      finished->store(true);
    });
    workers_.push_back(Worker{std::move(cancel), finished, std::move(thread)});
  } catch (const std::system_error& e) {
    return Status::Internal(fmt::format("{}: cannot start a worker thread: {}", owner_, e.what()));
  }
  return Status::Ok();
}

// Joining a finished worker never blocks for long: it only has to return
// from its last statement.
void WorkerThreads::JoinFinishedLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!it->finished->load()) {
      ++it;
      continue;
    }
    it->thread.join();
    it = workers_.erase(it);
  }
}

}  // namespace rollcall
