// How the servers stop: SIGINT and SIGTERM are blocked in every thread and
// taken by one sigwait(), so no handler runs at an arbitrary point; SIGPIPE
// is ignored, so a client hanging up mid-answer cannot kill a server.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace rollcall {

inline sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Call first thing in main, before any thread exists, so every thread
// inherits the mask. (Subprocess resets it for the commands it runs.)
inline void BlockShutdownSignals() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// Blocks until SIGINT or SIGTERM arrives; returns which.
inline int WaitForShutdownSignal() {
  sigset_t set = ShutdownSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace rollcall
