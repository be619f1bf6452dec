// Errors as the kernel reports them: a negative errno and the message the driver logs.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace ipsec::driver {

class Status {
 public:
  Status() = default;  // success
  Status(int code, std::string message) : code_(code), message_(std::move(message)) {
    assert(code <= 0);
  }

  static Status success() { return Status(); }

  bool ok() const { return code_ == 0; }
  int code() const { return code_; }  // 0 or a negative errno, e.g. -EINVAL
  const std::string& message() const { return message_; }

  // "EINVAL: Cannot offload compressed xfrm states" ("ok" on success).
  std::string to_string() const;

 private:
  int code_ = 0;
  std::string message_;
};

// The symbolic name of an errno value, negative or not: -22 -> "EINVAL".
std::string errno_name(int code);

// What the C library says about it: -22 -> "Invalid argument" (what iproute2 prints after
// "RTNETLINK answers: ").
std::string errno_text(int code);

// A value or the error that prevented it.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like a return value
  StatusOr(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ipsec::driver
