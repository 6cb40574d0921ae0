// The C facade over Verifier for host adapters written in C.
//
// Every entry point catches everything: an exception must never unwind into Dovecot or Apache,
// and any surprise answers TEMPFAIL (never ALLOW). One mutex per verifier serialises use,
// because the store underneath is not thread-safe and Apache calls from many threads.
#include "mailtoken/mailtoken.h"

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "mailtoken/scopes.h"
#include "mailtoken/token_codec.h"
#include "mailtoken/verifier.h"

struct mailtoken_verifier {
  std::unique_ptr<mailtoken::Verifier> verifier;
  std::mutex mutex;
};

namespace {

// Copies with truncation; the result is always NUL-terminated when size > 0.
void copy_out(std::string_view text, char* buf, std::size_t size) {
  if (buf == nullptr || size == 0) return;
  const std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
  std::memcpy(buf, text.data(), n);
  buf[n] = '\0';
}

template <std::size_t N>
void copy_out(std::string_view text, char (&buf)[N]) {
  copy_out(text, buf, N);
}

void reset_outcome(mailtoken_outcome* out) {
  std::memset(out, 0, sizeof *out);
  out->result = MAILTOKEN_TEMPFAIL;
}

mailtoken_result fail(mailtoken_outcome* out, mailtoken_result result,
                      std::string_view log_reason) {
  out->result = result;
  copy_out(log_reason, out->log_reason);
  return result;
}

mailtoken_result to_c(mailtoken::VerifyStatus status) {
  switch (status) {
    case mailtoken::VerifyStatus::kAllow:
      return MAILTOKEN_ALLOW;
    case mailtoken::VerifyStatus::kMismatch:
      return MAILTOKEN_MISMATCH;
    case mailtoken::VerifyStatus::kRefused:
      return MAILTOKEN_REFUSED;
    case mailtoken::VerifyStatus::kTempFail:
      return MAILTOKEN_TEMPFAIL;
  }
  return MAILTOKEN_TEMPFAIL;
}

}  // namespace

extern "C" {

mailtoken_verifier* mailtoken_verifier_open(const char* config_path, char* err, size_t err_size) {
  try {
    copy_out("", err, err_size);
    if (config_path == nullptr) {
      copy_out("no config file given", err, err_size);
      return nullptr;
    }
    auto created = mailtoken::Verifier::create(config_path);
    if (!created) {
      copy_out(created.error().message, err, err_size);
      return nullptr;
    }
    auto handle = std::make_unique<mailtoken_verifier>();
    handle->verifier = std::move(*created);
    return handle.release();
  } catch (...) {
    copy_out("internal error while opening the mailtoken verifier", err, err_size);
    return nullptr;
  }
}

void mailtoken_verifier_close(mailtoken_verifier* verifier) {
  try {
    delete verifier;
  } catch (...) {  // a destructor that throws must not reach C
  }
}

mailtoken_result mailtoken_verify(mailtoken_verifier* verifier, const mailtoken_request* request,
                                  mailtoken_outcome* outcome) {
  if (outcome == nullptr) return MAILTOKEN_TEMPFAIL;
  try {
    reset_outcome(outcome);
    if (verifier == nullptr || verifier->verifier == nullptr) {
      return fail(outcome, MAILTOKEN_TEMPFAIL, "mailtoken: no verifier");
    }
    // A NULL user is a bearer login (the token names its owner); the core decides where that
    // is allowed.
    if (request == nullptr || request->token == nullptr || request->service == nullptr) {
      return fail(outcome, MAILTOKEN_TEMPFAIL, "mailtoken: incomplete request");
    }
    // Oversized input is refused before it is copied or looked at.
    if (request->token_len > mailtoken::kMaxTokenLength) {
      return fail(outcome, MAILTOKEN_MISMATCH, "malformed token");
    }

    const mailtoken::VerifyRequest req{
        request->user != nullptr ? std::string_view(request->user) : std::string_view(),
        std::string_view(request->token, request->token_len), request->service,
        request->remote_ip != nullptr ? std::string_view(request->remote_ip) : std::string_view()};
    const mailtoken::UnixTime now = mailtoken::now_utc();
    mailtoken::VerifyOutcome result;
    {
      std::lock_guard<std::mutex> lock(verifier->mutex);
      result = verifier->verifier->verify(req, now);
    }

    outcome->result = to_c(result.status);
    copy_out(result.token_id, outcome->token_id);
    copy_out(result.client_reason, outcome->client_reason);
    outcome->expired = result.expired ? 1 : 0;
    copy_out(result.log_reason, outcome->log_reason);
    if (result.status == mailtoken::VerifyStatus::kAllow) {
      // The owner is who the host acts as (JMAP: the JWT subject): never a truncated name.
      if (result.user.size() >= sizeof outcome->user) {
        std::string token_id(outcome->token_id);
        reset_outcome(outcome);
        copy_out(token_id, outcome->token_id);
        return fail(outcome, MAILTOKEN_TEMPFAIL, "token owner name too long for the host");
      }
      copy_out(result.user, outcome->user);
      outcome->read_only = result.grant.access == mailtoken::Access::kReadOnly ? 1 : 0;
      outcome->scopes = result.grant.scopes.bits();
      outcome->row_id_ = result.row_id;
      outcome->wants_record_use_ = result.wants_record_use ? 1 : 0;
    }
    return outcome->result;
  } catch (...) {
    reset_outcome(outcome);
    return fail(outcome, MAILTOKEN_TEMPFAIL, "mailtoken: internal error");
  }
}

int mailtoken_record_use(mailtoken_verifier* verifier, const mailtoken_request* request,
                         const mailtoken_outcome* outcome, char* err, size_t err_size) {
  try {
    copy_out("", err, err_size);
    if (verifier == nullptr || verifier->verifier == nullptr || request == nullptr ||
        outcome == nullptr || request->service == nullptr) {
      copy_out("mailtoken: incomplete record_use call", err, err_size);
      return -1;
    }
    if (outcome->result != MAILTOKEN_ALLOW || outcome->wants_record_use_ == 0) return 0;
    const auto protocol = mailtoken::protocol_from_service(request->service);
    if (!protocol) return 0;  // cannot happen for an ALLOW outcome of the same request

    mailtoken::VerifyOutcome allowed;
    allowed.status = mailtoken::VerifyStatus::kAllow;
    allowed.wants_record_use = true;
    allowed.row_id = outcome->row_id_;
    allowed.protocol = protocol;
    const std::string_view ip = request->remote_ip != nullptr ? request->remote_ip : "";
    mailtoken::Status status = mailtoken::ok_status();
    {
      std::lock_guard<std::mutex> lock(verifier->mutex);
      status = verifier->verifier->record_use(allowed, ip, mailtoken::now_utc());
    }
    if (!status) {
      copy_out("mailtoken: cannot record token use: " + status.error().message, err, err_size);
      return -1;
    }
    return 0;
  } catch (...) {
    copy_out("mailtoken: internal error while recording token use", err, err_size);
    return -1;
  }
}

const char* mailtoken_access_name(int read_only) {
  return mailtoken::access_name(read_only != 0 ? mailtoken::Access::kReadOnly
                                               : mailtoken::Access::kReadWrite);
}

void mailtoken_scope_names(unsigned scopes, char* buf, size_t buf_size) {
  try {
    copy_out(mailtoken::ScopeSet(static_cast<std::uint8_t>(scopes & 0x1fu)).to_string(), buf,
             buf_size);
  } catch (...) {
    copy_out("", buf, buf_size);
  }
}

}  // extern "C"
