#include "ssm/ssm_api.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>

#include "core/safe_text.h"
#include "ssm/curl_call.h"

namespace rollcall {
namespace {

// What an AWS JSON error says: "ThrottlingException: Rate exceeded".
std::string AwsError(const SsmAnswer& a) {
  Json j = Json::parse(a.body, nullptr, false);
  std::string type = j.is_object() ? j.value("__type", "") : "";
  type = type.substr(type.rfind('#') + 1);  // "com.amazonaws...#ThrottlingException"
  std::string message = j.is_object() ? j.value("message", j.value("Message", "")) : "";
  if (type.empty()) return fmt::format("HTTP {}", a.status);
  return EscapeText(message.empty() ? type : type + ": " + message);
}

TimePoint Now() { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }

bool Throttled(const SsmAnswer& a) {
  if (a.status == 429 || a.status >= 500) return true;
  const std::string error = AwsError(a);
  return error.rfind("ThrottlingException", 0) == 0 || error.rfind("TooManyUpdates", 0) == 0;
}

}  // namespace

CurlSsmTransport::CurlSsmTransport(std::string endpoint, AwsCredentialsChain& credentials)
    : endpoint_(std::move(endpoint)), credentials_(credentials) {
  CURLSH* share = curl_share_init();
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(share, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share, CURLSHOPT_LOCKFUNC, +[](CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<CurlSsmTransport*>(self)->share_mu_[data % 4].lock();
  });
  curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, +[](CURL*, curl_lock_data data, void* self) {
    static_cast<CurlSsmTransport*>(self)->share_mu_[data % 4].unlock();
  });
  share_ = share;
}

CurlSsmTransport::~CurlSsmTransport() { curl_share_cleanup(static_cast<CURLSH*>(share_)); }

Result<SsmAnswer> CurlSsmTransport::Post(const std::string& region, const std::string& target,
                                         const std::string& body, Duration timeout) {
  Result<AwsCredentials> creds = credentials_.Get();
  if (!creds.ok()) return creds.status();
  const std::string url = endpoint_.empty() ? fmt::format("https://ssm.{}.amazonaws.com/", region) : endpoint_;
  CURL* e = curl_easy_init();
  if (e == nullptr) return Status::Unavailable("ssm: curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/x-amz-json-1.1");
  headers = curl_slist_append(headers, ("X-Amz-Target: " + target).c_str());
  if (!creds->session_token.empty()) {
    headers = curl_slist_append(headers, ("X-Amz-Security-Token: " + creds->session_token).c_str());
  }
  const std::string sigv4 = "aws:amz:" + region + ":ssm";
  const std::string userpwd = creds->access_key_id + ":" + creds->secret_access_key;
  SsmAnswer answer;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(e, CURLOPT_USERPWD, userpwd.c_str());
  curl_easy_setopt(e, CURLOPT_SHARE, share_);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(DurationToMillis(timeout), 1)));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  // An invocation's output is at most 24,000 characters.
  const CurlOutcome out = PerformAndCleanUp(e, headers, answer.body, 8 << 20);
  if (out.code != CURLE_OK) {
    return Status::Unavailable(fmt::format("ssm {} at {}: {}", target, url, curl_easy_strerror(out.code)));
  }
  answer.status = out.status;
  return answer;
}

TimePoint RegionRateLimiter::Reserve(const std::string& region, TimePoint now) {
  std::lock_guard lock(mu_);
  TimePoint& next = next_[region];
  const TimePoint slot = std::max(now, next);
  next = slot + gap_;
  return slot;
}

Duration NextBackoff(Duration previous, Duration base, Duration cap, std::mt19937_64& rng) {
  const int64_t low = base.count();
  const int64_t high = std::max<int64_t>(low, 3 * previous.count());
  std::uniform_int_distribution<int64_t> pick(low, high);
  return std::min(cap, Duration(pick(rng)));
}

bool Cancellation::WaitUntil(TimePoint until) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, until, [this] { return cancelled_; });
  return !cancelled_;
}

void Cancellation::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

bool Cancellation::cancelled() {
  std::lock_guard lock(mu_);
  return cancelled_;
}

SsmApi::SsmApi(SsmTransport& transport, SsmApiOptions options)
    : transport_(transport), options_(options), limiter_(options.max_rps), rng_(std::random_device{}()) {}

Result<Json> SsmApi::Call(const std::string& region, const std::string& op, const Json& body, TimePoint deadline,
                          Cancellation& c, const Note& note) {
  Duration backoff = options_.backoff_base;
  for (int attempt = 1;; ++attempt) {
    const TimePoint slot = limiter_.Reserve(region, Now());
    if (slot >= deadline) return Status::Unavailable(fmt::format("{}: no request slot before the deadline", op));
    if (!c.WaitUntil(slot)) return Status::Unavailable(fmt::format("{}: cancelled", op));
    const Duration left = deadline - Now();
    Result<SsmAnswer> a = transport_.Post(region, "AmazonSSM." + op, body.dump(), std::min(left, options_.call_timeout));
    std::string why;
    if (!a.ok()) {
      why = a.status().message();  // no answer: the network, or SSM's endpoint
    } else if (a->status == 200) {
      Json j = Json::parse(a->body, nullptr, false);
      if (j.is_discarded()) return Status::Unavailable(fmt::format("{}: SSM answered something that is not JSON", op));
      return j;
    } else if (Throttled(*a)) {
      why = AwsError(*a);
    } else {
      const std::string error = AwsError(*a);
      if (error.rfind("InvocationDoesNotExist", 0) == 0) return Status::NotFound(op + ": " + error);
      return Status::Invalid(fmt::format("{}: {}", op, error));  // AccessDenied, a bad instance: no retry helps
    }
    {
      std::lock_guard lock(rng_mu_);
      backoff = NextBackoff(backoff, options_.backoff_base, options_.backoff_cap, rng_);
    }
    if (Now() + backoff >= deadline) {
      return Status::Unavailable(fmt::format("{}: {} (gave up after {} attempts: the deadline)", op, why, attempt));
    }
    if (note) note(fmt::format("{} throttled ({}), attempt {}: retrying in {} ms", op, why, attempt, DurationToMillis(backoff)));
    if (!c.WaitUntil(Now() + backoff)) return Status::Unavailable(op + ": cancelled");
  }
}

Result<std::string> SsmApi::SendCommand(const SsmSettings& s, const std::vector<std::string>& commands,
                                        const std::string& comment, TimePoint deadline, Cancellation& c,
                                        const Note& note) {
  Json body = {{"InstanceIds", {s.instance_id}},
               {"DocumentName", s.document},
               {"Comment", comment.substr(0, 100)},
               {"Parameters", {{"commands", commands}, {"executionTimeout", {std::to_string(s.execution_timeout_s)}}}}};
  Result<Json> answer = Call(s.region, "SendCommand", body, deadline, c, note);
  if (!answer.ok()) return answer.status();
  const Json command = answer->value("Command", Json::object());
  const std::string id = command.is_object() ? command.value("CommandId", "") : "";
  if (id.empty()) return Status::Unavailable("SendCommand: SSM's answer has no Command.CommandId");
  return id;
}

Result<Json> SsmApi::GetCommandInvocation(const std::string& command_id, const SsmSettings& s, TimePoint deadline,
                                          Cancellation& c, const Note& note) {
  return Call(s.region, "GetCommandInvocation", Json{{"CommandId", command_id}, {"InstanceId", s.instance_id}},
              deadline, c, note);
}

Status SsmApi::CancelCommand(const std::string& command_id, const SsmSettings& s, TimePoint deadline) {
  Cancellation never;  // a cancel must go out even when the deploy was cancelled
  Result<Json> a = Call(s.region, "CancelCommand", Json{{"CommandId", command_id}, {"InstanceIds", {s.instance_id}}},
                        deadline, never, {});
  return a.ok() ? Status::Ok() : a.status();
}

}  // namespace rollcall
