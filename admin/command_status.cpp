#include "admin/command_status.h"

#include <utility>

namespace mailtoken::admin {

CommandStatus failure(ExitCode code, std::string message) {
  return CommandStatus{code, std::move(message), {}};
}

CommandStatus usage_error(std::string message, std::string command) {
  std::string hint = command.empty() ? "mailtoken --help" : "mailtoken " + command + " --help";
  return CommandStatus{ExitCode::kUsage, std::move(message), std::move(hint)};
}

ExitCode exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return ExitCode::kUsage;
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return ExitCode::kRefused;
    case ErrorCode::kUnavailable:
      return ExitCode::kTempFail;
    case ErrorCode::kInternal:
      return ExitCode::kSoftware;
  }
  return ExitCode::kSoftware;
}

CommandStatus from_error(const Error& error) {
  return failure(exit_code_for(error.code), error.message);
}

CommandStatus input_error(const Error& error) { return failure(ExitCode::kUsage, error.message); }

}  // namespace mailtoken::admin
