#include "jmap_gateway.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "jmap_request_guard.h"
#include "jmap_response_filter.h"
#include "jmap_session_filter.h"
#include "jwt.h"

struct mtj_signer {
  mailtoken::jmap::JwtSigner signer;
};

struct mtj_verdict {
  mailtoken::jmap::GuardVerdict verdict;
};

namespace {

void copy_message(const std::string& message, char* err, std::size_t err_size) {
  if (err == nullptr || err_size == 0) return;
  const std::size_t n = std::min(message.size(), err_size - 1);
  std::memcpy(err, message.data(), n);
  err[n] = '\0';
}

int to_malloc(const std::string& text, char** out, std::size_t* out_len) {
  auto* buf = static_cast<char*>(std::malloc(text.size() + 1));
  if (buf == nullptr) return -1;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  *out = buf;
  *out_len = text.size();
  return 0;
}

}  // namespace

extern "C" {

struct mtj_signer* mtj_signer_open(const char* key_path, char* err, size_t err_size) {
  try {
    auto signer = mailtoken::jmap::JwtSigner::from_key_file(key_path ? key_path : "");
    if (!signer) {
      copy_message(signer.error().message, err, err_size);
      return nullptr;
    }
    return new mtj_signer{std::move(signer).value()};
  } catch (const std::exception& e) {
    copy_message(e.what(), err, err_size);
    return nullptr;
  }
}

void mtj_signer_close(struct mtj_signer* signer) { delete signer; }

int mtj_backend_authorization(const struct mtj_signer* signer, const char* user, long long now_unix,
                              char* buf, size_t buf_size) {
  try {
    if (signer == nullptr || user == nullptr || *user == '\0') return -1;
    const std::string value = "Bearer " + signer->signer.sign(user, now_unix);
    if (value.size() + 1 > buf_size) return -1;
    std::memcpy(buf, value.c_str(), value.size() + 1);
    return 0;
  } catch (...) {
    return -1;
  }
}

void mtj_free(void* p) { std::free(p); }

int mtj_filter_session(const char* json, size_t len, unsigned scopes, int read_only,
                       unsigned long long max_request_size, char** out, size_t* out_len) {
  try {
    auto filtered = mailtoken::jmap::filter_session(std::string_view(json, len), scopes, read_only != 0,
                                                    max_request_size);
    if (!filtered) return -1;
    return to_malloc(*filtered, out, out_len);
  } catch (...) {
    return -1;
  }
}

struct mtj_verdict* mtj_inspect(const char* body, size_t len, unsigned scopes, int read_only) {
  try {
    return new mtj_verdict{
        mailtoken::jmap::inspect_api_request(std::string_view(body, len), scopes, read_only != 0)};
  } catch (...) {
    return nullptr;
  }
}

enum mtj_action mtj_verdict_action(const struct mtj_verdict* verdict) {
  switch (verdict->verdict.action) {
    case mailtoken::jmap::GuardAction::kForward:
      return MTJ_FORWARD;
    case mailtoken::jmap::GuardAction::kForwardRewritten:
      return MTJ_FORWARD_REWRITTEN;
    case mailtoken::jmap::GuardAction::kReject:
      break;
  }
  return MTJ_REJECT;
}

int mtj_verdict_status(const struct mtj_verdict* verdict) { return verdict->verdict.http_status; }

const char* mtj_verdict_body(const struct mtj_verdict* verdict, size_t* len) {
  *len = verdict->verdict.body.size();
  return verdict->verdict.body.c_str();
}

int mtj_merge(const struct mtj_verdict* verdict, const char* json, size_t len, char** out,
              size_t* out_len) {
  try {
    auto merged = mailtoken::jmap::merge_api_response(std::string_view(json, len), verdict->verdict.plan);
    if (!merged) return -1;
    return to_malloc(*merged, out, out_len);
  } catch (...) {
    return -1;
  }
}

void mtj_verdict_free(struct mtj_verdict* verdict) { delete verdict; }

int mtj_restrict_read_only_rights(const char* json, size_t len, char** out, size_t* out_len) {
  try {
    auto filtered = mailtoken::jmap::restrict_read_only_rights(std::string_view(json, len));
    if (!filtered) return -1;
    return to_malloc(*filtered, out, out_len);
  } catch (...) {
    return -1;
  }
}

char* mtj_problem_json(const char* type, int status, const char* detail) {
  try {
    char* out = nullptr;
    std::size_t len = 0;
    if (to_malloc(mailtoken::jmap::problem_json(type, status, detail), &out, &len) != 0) return nullptr;
    return out;
  } catch (...) {
    return nullptr;
  }
}

}  // extern "C"
