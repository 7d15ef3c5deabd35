// Status and Result<T>: expected failures as values.
//
// Operations that can fail for reasons an operator or a peer controls (bad
// input, a missing tenant, a refused release) return a Status or a Result<T>
// instead of throwing. The message names the field, tenant or resource at
// fault, so it can be shown as-is in an HTTP error body or a CLI line.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace rollcall {

class [[nodiscard]] Status {
 public:
  // Codes map onto HTTP statuses at the API edge: 400, 404, 409, 503, 500.
  enum class Code { kOk, kInvalid, kNotFound, kConflict, kUnavailable, kInternal };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return Status(Code::kInvalid, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  // Marks a deliberately unchecked status (best-effort writes).
  void IgnoreError() const {}
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<prefix><message>", e.g. to add a path.
  Status Prefixed(const std::string& prefix) const {
    return ok() ? *this : Status(code_, prefix + message_);
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status error) : status_(std::move(error)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace rollcall
