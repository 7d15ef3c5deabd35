// EventHttpServer over real loopback sockets: the server runs on its own
// thread, the test talks raw HTTP through blocking sockets with timeouts.
#include "net/event_http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <thread>

namespace rollcall::net {
namespace {

using namespace std::chrono_literals;

// A blocking loopback client socket whose reads give up after `timeout`.
class RawClient {
 public:
  RawClient(uint16_t port, std::chrono::milliseconds timeout = 5000ms) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{.tv_sec = timeout.count() / 1000, .tv_usec = (timeout.count() % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `buffer_` holds `n` bytes; false on EOF, error or timeout.
  bool Fill(size_t n) {
    char chunk[4096];
    while (buffer_.size() < n) {
      ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(got));
    }
    return true;
  }

  struct Response {
    int status = 0;
    std::string head;
    std::string body;
  };

  // One response (head + Content-Length body, unless `head_only`); nullopt
  // on EOF or timeout.
  std::optional<Response> Read(bool head_only = false) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(buffer_.size() + 1)) return std::nullopt;
    }
    Response r;
    r.head = buffer_.substr(0, end + 4);
    r.status = std::stoi(r.head.substr(9, 3));
    size_t length = 0;
    if (size_t at = r.head.find("Content-Length: "); at != std::string::npos) {
      length = std::stoul(r.head.substr(at + 16));
    }
    if (r.status == 100 || head_only) length = 0;
    if (!Fill(end + 4 + length)) return std::nullopt;
    r.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    return r;
  }

  // True when the server closed the connection (EOF) before the timeout,
  // with nothing else sent.
  bool ReadsEof() {
    char c;
    return buffer_.empty() && ::recv(fd_, &c, 1, 0) == 0;
  }
  // True when nothing arrives before the read timeout.
  bool StaysSilent() {
    char c;
    ssize_t got = ::recv(fd_, &c, 1, 0);
    return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

class EventHttpServerTest : public testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    server_ = std::make_unique<EventHttpServer>(
        options, [this](const HttpRequest& req, Responder r) { Handle(req, r); });
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { run_status_ = server_->Run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      server_->Stop();
      thread_.join();
      EXPECT_TRUE(run_status_.ok()) << run_status_.message();
    }
  }
  uint16_t port() const { return server_->port(); }

  // The routes the tests use. Runs on the server's loop thread.
  void Handle(const HttpRequest& req, Responder r) {
    if (req.path == "/echo") {
      r.Send(HttpResponse::Text(200, req.method + " " + req.body));
    } else if (req.path == "/slow") {
      server_->RunAfter(30ms, [r] { r.Send(HttpResponse::Text(200, "slow")); });
    } else if (req.path == "/never") {
      parked_ = r;  // never answered
    } else if (req.path == "/answer-parked") {
      bool sent = parked_ && parked_->Send(HttpResponse::Text(200, "late"));
      r.Send(HttpResponse::Text(200, sent ? "sent" : "gone"));
    } else if (req.path == "/crash") {
      r.Abort();
    } else if (req.path == "/throw") {
      throw std::runtime_error("boom");
    } else if (req.path == "/connections") {
      r.Send(HttpResponse::Text(200, std::to_string(server_->stats().open_connections)));
    } else {
      r.Send(HttpResponse::JsonError(404, "not found"));
    }
  }

  // Asks the server until it reports `want` open connections (the asking
  // one included) or the deadline passes.
  bool WaitForOpenConnections(size_t want) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    RawClient probe(port());
    while (std::chrono::steady_clock::now() < deadline) {
      if (!probe.Send("GET /connections HTTP/1.1\r\n\r\n")) return false;
      auto r = probe.Read();
      if (r && r->body == std::to_string(want)) return true;
    }
    return false;
  }

  std::unique_ptr<EventHttpServer> server_;
  std::thread thread_;
  Status run_status_;
  std::optional<Responder> parked_;  // loop thread only
};

TEST_F(EventHttpServerTest, AnswersSeveralRequestsOnOneKeepAliveConnection) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "POST hi");
    EXPECT_NE(r->head.find("Connection: keep-alive"), std::string::npos);
  }
}

TEST_F(EventHttpServerTest, PipelinedAnswersKeepRequestOrderWhenTheFirstIsDeferred) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(
      c.Send("GET /slow HTTP/1.1\r\n\r\nGET /echo HTTP/1.1\r\n\r\nGET /slow HTTP/1.1\r\n\r\n"));
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Read();
    ASSERT_TRUE(r);
    bodies.push_back(r->body);
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"slow", "GET ", "slow"}));
}

TEST_F(EventHttpServerTest, NeverAnsweredRequestHoldsItsConnectionUntilThePeerLeaves) {
  Start();
  auto c = std::make_unique<RawClient>(port(), 200ms);
  ASSERT_TRUE(c->Send("GET /never HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(c->StaysSilent());
  EXPECT_TRUE(WaitForOpenConnections(2));
  c.reset();  // the client gives up
  EXPECT_TRUE(WaitForOpenConnections(1));
  RawClient other(port());
  ASSERT_TRUE(other.Send("GET /answer-parked HTTP/1.1\r\n\r\n"));
  auto r = other.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "gone");  // answering a vanished request is a no-op
}

TEST_F(EventHttpServerTest, ParkedRequestCanBeAnsweredLaterFromAnotherRequest) {
  Start();
  RawClient waiting(port());
  // The pipelined echo waits behind the parked request.
  ASSERT_TRUE(waiting.Send("GET /never HTTP/1.1\r\n\r\nPOST /echo HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(WaitForOpenConnections(2));
  RawClient other(port());
  ASSERT_TRUE(other.Send("GET /answer-parked HTTP/1.1\r\n\r\n"));
  ASSERT_EQ(other.Read()->body, "sent");
  auto late = waiting.Read();
  ASSERT_TRUE(late);
  EXPECT_EQ(late->body, "late");
  auto echo = waiting.Read();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->body, "POST ");
}

TEST_F(EventHttpServerTest, AbortClosesTheConnectionWithoutAnAnswer) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("POST /crash HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(EventHttpServerTest, OversizedBodyGets413EvenWhileTheClientIsStillUploading) {
  ServerOptions options;
  options.limits.max_body_bytes = 1024;
  Start(options);
  RawClient c(port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nContent-Length: 200000\r\n\r\n"));
  c.Send(std::string(200000, 'x'));  // may fail once the server closes; the answer must survive
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->head.find("Connection: close"), std::string::npos);
  EXPECT_NE(r->body.find("exceeds 1024 bytes"), std::string::npos);
}

TEST_F(EventHttpServerTest, MalformedRequestGets400AndTheConnectionCloses) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("NONSENSE\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(EventHttpServerTest, Http10WithoutKeepAliveClosesAfterTheAnswer) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(EventHttpServerTest, HandlerExceptionBecomes500) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /throw HTTP/1.1\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("boom"), std::string::npos);
}

TEST_F(EventHttpServerTest, ExpectContinueGets100BeforeTheBodyIsSent) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  auto interim = c.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("abc"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST abc");
}

TEST_F(EventHttpServerTest, HeadAnswersWithoutABody) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("HEAD /echo HTTP/1.1\r\n\r\nGET /echo HTTP/1.1\r\n\r\n"));
  auto head = c.Read(/*head_only=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_NE(head->head.find("Content-Length: 5"), std::string::npos);  // "HEAD "
  auto next = c.Read();  // starts right after the head: no body was sent
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "GET ");
}

TEST_F(EventHttpServerTest, IdleKeepAliveConnectionsAreClosed) {
  ServerOptions options;
  options.idle_timeout = 100ms;
  Start(options);
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(c.Read());
  EXPECT_TRUE(c.ReadsEof());
}

TEST_F(EventHttpServerTest, BindFailsWhenThePortIsTaken) {
  Start();
  ServerOptions options;
  options.port = port();
  EventHttpServer second(options, [](const HttpRequest&, Responder) {});
  Status s = second.Bind();
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("listen 127.0.0.1:"), std::string::npos);
}

TEST(EventHttpServerStandaloneTest, BindRejectsAnUnknownHost) {
  ServerOptions options;
  options.host = "no-such-host.invalid";
  EventHttpServer server(options, [](const HttpRequest&, Responder) {});
  EXPECT_EQ(server.Bind().code(), Status::Code::kInvalid);
}

TEST(EventHttpServerStandaloneTest, StopBeforeRunMakesRunReturnAtOnce) {
  EventHttpServer server(ServerOptions{}, [](const HttpRequest&, Responder) {});
  ASSERT_TRUE(server.Bind().ok());
  server.Stop();
  EXPECT_TRUE(server.Run().ok());
}

}  // namespace
}  // namespace rollcall::net
