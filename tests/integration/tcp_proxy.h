// TcpProxy: forwards loopback TCP connections to an upstream endpoint, and
// can cut every open connection at once, to test that clients resume (an
// event stream reconnecting with Last-Event-ID). One thread, poll(2).
#pragma once

#include <atomic>
#include <thread>

#include "harness.h"

namespace rollcall::it {

class TcpProxy {
 public:
  // Listens on 127.0.0.1, a port chosen by the kernel.
  explicit TcpProxy(Endpoint upstream);
  ~TcpProxy();  // closes everything and joins the thread
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  // Closes every connection open now; new ones are forwarded as before.
  void CutAll();
  int cuts() const { return cuts_.load(); }

 private:
  void Loop();

  Endpoint upstream_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: CutAll() and the destructor wake the loop
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> cut_requests_{0};
  std::atomic<int> cuts_{0};
  std::thread thread_;
};

}  // namespace rollcall::it
