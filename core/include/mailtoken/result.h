// Result<T>: a value or an Error, the way every core function reports failure.
//
// The core never lets an exception cross a public function: third-party exceptions (SOCI,
// Boost, std) are caught at the nearest layer and mapped to an ErrorCode here, which callers
// map again to their own meaning (a Dovecot result, an HTTP status, an exit code).
//
//   Result<int> parse_port(std::string_view s);
//   auto port = parse_port("143");
//   if (!port) return port.error();
//   use(*port);
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mailtoken {

enum class ErrorCode {
  kInvalidArgument,   // malformed input: bad token text, bad user name, unknown scope
  kNotFound,          // no such token / plan
  kAlreadyExists,     // unique constraint hit
  kFailedPrecondition,// state forbids it: already revoked, plan denies tokens, over the cap
  kUnavailable,       // temporary: database unreachable or query failed; retry later
  kInternal,          // a bug or an unexpected state; never an accept
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;  // safe to show an admin: never contains a secret
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace mailtoken
