// The HTTP client's last-moment gate: a request its sender holds back once
// connected is never written, and is not retried.
#include "http/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "httpd/http_server.h"

namespace rollcall {
namespace {

class CountingServer {
 public:
  CountingServer() : server_(httpd::ServerOptions{}, [this](const httpd::HttpRequest&) {
                                httpd::Route r;
                                r.body_limit = 1 << 20;
                                r.handler = [this](const httpd::HttpRequest&, httpd::Responder out) {
                                  ++requests_;
                                  out.Send(httpd::HttpResponse::Text(200, "ok"));
                                };
                                return r;
                              }) {
    EXPECT_TRUE(server_.Bind().ok());
    thread_ = std::thread([this] { (void)server_.Run(); });
  }
  ~CountingServer() {
    server_.Stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/deploy"; }
  int requests() const { return requests_; }

 private:
  std::atomic<int> requests_{0};
  httpd::HttpServer server_;
  std::thread thread_;
};

HttpResponse SendAndWait(HttpClient& http, HttpRequest req) {
  std::promise<HttpResponse> answer;
  http.Send(std::move(req), [&](HttpResponse r) { answer.set_value(std::move(r)); });
  std::future<HttpResponse> f = answer.get_future();
  EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  return f.get();
}

TEST(HttpClientTest, ARequestHeldBackJustBeforeSendingNeverArrives) {
  CountingServer server;
  HttpClient http;
  int asked = 0;
  HttpRequest held;
  held.method = "POST";
  held.url = server.Url();
  held.body = "{}";
  held.may_send = [&] {
    ++asked;
    return false;
  };
  HttpResponse r = SendAndWait(http, held);
  EXPECT_EQ(asked, 1);
  EXPECT_TRUE(r.not_sent);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("not sent"), std::string::npos) << r.error;
  EXPECT_EQ(server.requests(), 0);

  held.may_send = [] { return true; };
  EXPECT_EQ(SendAndWait(http, held).status, 200);
  EXPECT_EQ(server.requests(), 1);
}

}  // namespace
}  // namespace rollcall
