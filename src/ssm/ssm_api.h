// The three Systems Manager calls the ssm driver makes — SendCommand,
// GetCommandInvocation, CancelCommand — over the JSON 1.1 protocol, signed
// with SigV4, at fleet scale: throttling (ThrottlingException, HTTP 429,
// 5xx) is retried with jittered backoff until the caller's deadline, each
// region's request rate is bounded (a 2,000-tenant rollout must not trip
// the account's limits), and connections are reused across calls.
//
// SsmTransport is the one HTTP exchange (CurlSsmTransport: libcurl with
// CURLOPT_AWS_SIGV4; tests may fake it); SsmApi is the logic above it.
// Thread-safe: called from the driver's worker threads.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/ssm_settings.h"
#include "core/time.h"
#include "ssm/aws_credentials.h"

namespace rollcall {

struct SsmAnswer {
  int status = 0;    // HTTP status
  std::string body;  // JSON
};

class SsmTransport {
 public:
  SsmTransport() = default;
  SsmTransport(const SsmTransport&) = delete;
  SsmTransport& operator=(const SsmTransport&) = delete;
  virtual ~SsmTransport() = default;
  // POSTs `body` with X-Amz-Target `target` ("AmazonSSM.SendCommand") to
  // `region`'s endpoint; Unavailable when no answer arrived.
  virtual Result<SsmAnswer> Post(const std::string& region, const std::string& target, const std::string& body,
                                 Duration timeout) = 0;
};

class CurlSsmTransport : public SsmTransport {
 public:
  // `endpoint`: "" for https://ssm.<region>.amazonaws.com, else a URL
  // (tests, VPC endpoints). `credentials` outlives the transport.
  CurlSsmTransport(std::string endpoint, AwsCredentialsChain& credentials);
  ~CurlSsmTransport() override;
  Result<SsmAnswer> Post(const std::string& region, const std::string& target, const std::string& body,
                         Duration timeout) override;

 private:
  const std::string endpoint_;
  AwsCredentialsChain& credentials_;
  void* share_ = nullptr;  // CURLSH*: the connection pool every call shares
  std::mutex share_mu_[4];   // one per CURL_LOCK_DATA kind the share uses
};

// When each caller may send to a region: at most `rps` requests a second,
// spread evenly. Thread-safe.
class RegionRateLimiter {
 public:
  explicit RegionRateLimiter(double rps) : gap_(SecondsToDuration(1.0 / std::max(rps, 0.001))) {}
  // The time slot reserved for one request to `region`, at or after `now`.
  TimePoint Reserve(const std::string& region, TimePoint now);

 private:
  const Duration gap_;
  std::mutex mu_;
  std::map<std::string, TimePoint> next_;  // guarded by mu_
};

// Decorrelated jitter: uniform in [base, 3 * previous], at most `cap`.
Duration NextBackoff(Duration previous, Duration base, Duration cap, std::mt19937_64& rng);

// A deploy's cancellable waits: Cancel() ends every wait at once.
class Cancellation {
 public:
  // False when cancelled before `until`.
  bool WaitUntil(TimePoint until);
  void Cancel();
  bool cancelled();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;  // guarded by mu_
};

struct SsmApiOptions {
  double max_rps = 10;                                          // per region
  Duration call_timeout = std::chrono::seconds(30);             // one HTTP exchange
  Duration backoff_base = std::chrono::milliseconds(200);
  Duration backoff_cap = std::chrono::seconds(10);
};

class SsmApi {
 public:
  // `transport` outlives the api. `note` (may be empty) hears each retry.
  SsmApi(SsmTransport& transport, SsmApiOptions options);

  using Note = std::function<void(const std::string&)>;
  // The command id; the commands run under `settings.document`.
  Result<std::string> SendCommand(const SsmSettings& settings, const std::vector<std::string>& commands,
                                  const std::string& comment, TimePoint deadline, Cancellation& c, const Note& note);
  // GetCommandInvocation's answer; NotFound while SSM has no invocation yet.
  Result<Json> GetCommandInvocation(const std::string& command_id, const SsmSettings& settings, TimePoint deadline,
                                    Cancellation& c, const Note& note);
  Status CancelCommand(const std::string& command_id, const SsmSettings& settings, TimePoint deadline);

 private:
  // One call with the retries it deserves: Unavailable when the deadline or
  // a cancel came first; the AWS error (`__type: message`) otherwise.
  Result<Json> Call(const std::string& region, const std::string& op, const Json& body, TimePoint deadline,
                    Cancellation& c, const Note& note);

  SsmTransport& transport_;
  const SsmApiOptions options_;
  RegionRateLimiter limiter_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // guarded by rng_mu_
};

}  // namespace rollcall
