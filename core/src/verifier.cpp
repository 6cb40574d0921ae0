// The verify path. The order of the checks is part of the security design:
// - nothing about a token's policy (expiry, plan, scopes) is revealed to a client before it
//   has proven the secret and the owner, so refusals with a visible reason come last;
// - anything that could let an unchecked token through fails closed: store errors and a
//   missing pepper are temporary failures, never accepts.
// Outcome strings are built from fixed text, the public selector and host-given names only;
// the token text and its secret never reach them.
#include "mailtoken/verifier.h"

#include "mailtoken/token_codec.h"
#include "mailtoken/user_name.h"

namespace mailtoken {
namespace {

VerifyOutcome denial(VerifyStatus status, std::string token_id, std::string log_reason) {
  VerifyOutcome out;
  out.status = status;
  out.token_id = std::move(token_id);
  out.log_reason = std::move(log_reason);
  return out;
}

VerifyOutcome mismatch(std::string token_id, std::string log_reason) {
  return denial(VerifyStatus::kMismatch, std::move(token_id), std::move(log_reason));
}

VerifyOutcome temp_fail(std::string token_id, std::string log_reason) {
  return denial(VerifyStatus::kTempFail, std::move(token_id), std::move(log_reason));
}

// A refusal's reason is shown to the client and logged as it is.
VerifyOutcome refused(std::string token_id, std::string client_reason) {
  VerifyOutcome out = denial(VerifyStatus::kRefused, std::move(token_id), client_reason);
  out.client_reason = std::move(client_reason);
  return out;
}

// A host service name for a log line: bounded and printable, whatever the host passed.
std::string printable_service(std::string_view service) {
  std::string out;
  for (char c : service.substr(0, 32)) {
    out.push_back(c > 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

}  // namespace

Verifier::Verifier(Config config, PepperRing peppers, std::unique_ptr<TokenStore> read_store,
                   std::unique_ptr<TokenStore> write_store)
    : config_(std::move(config)),
      peppers_(std::move(peppers)),
      read_store_(std::move(read_store)),
      write_store_(std::move(write_store)) {}

Result<std::unique_ptr<Verifier>> Verifier::create(const std::string& config_path) {
  auto config = load_config_file(config_path);
  if (!config) return config.error();
  auto peppers = PepperRing::load(config->pepper_file, config->retired_pepper_files);
  if (!peppers) return peppers.error();
  auto primary = open_token_store(config->database);
  if (!primary) {
    return make_error(primary.error().code,
                      "database " + redact_dsn(config->database) + ": " + primary.error().message);
  }
  std::unique_ptr<TokenStore> read_store;
  std::unique_ptr<TokenStore> write_store;
  if (config->database_read.empty()) {
    read_store = std::move(*primary);
  } else {
    auto replica = open_token_store(config->database_read);
    if (!replica) {
      return make_error(replica.error().code, "database_read " + redact_dsn(config->database_read) +
                                                  ": " + replica.error().message);
    }
    read_store = std::move(*replica);
    write_store = std::move(*primary);
  }
  return std::make_unique<Verifier>(std::move(*config), std::move(*peppers), std::move(read_store),
                                    std::move(write_store));
}

VerifyOutcome Verifier::verify(const VerifyRequest& request, UnixTime now) {
  try {
    if (request.token.size() > kMaxTokenLength) return mismatch({}, "malformed token");
    auto parsed = parse_token(request.token, config_.token_prefix);
    if (!parsed) return mismatch({}, parsed.error().message);
    std::string token_id = parsed->selector;

    // An empty user is a bearer login (JMAP) where the token names its owner; every other
    // protocol logs in as a named user, and the token must belong to that user.
    const auto protocol = protocol_from_service(request.service);
    const bool owner_from_token = request.user.empty() && protocol == Protocol::kJmap;
    std::string user;
    if (!owner_from_token) {
      auto normalized = normalize_user_name(request.user);
      if (!normalized)
        return mismatch(std::move(token_id), "invalid user name: " + normalized.error().message);
      user = std::move(*normalized);
    }

    // A service that never accepts tokens (smtp, lmtp, doveadm, ...) gets a plain mismatch,
    // not a refusal: a refusal is an OK-with-nologin in Dovecot, which only Dovecot's own
    // login services honour (Postfix SASL would take it as a successful login).
    if (!protocol) {
      return mismatch(std::move(token_id), "API tokens cannot be used for service '" +
                                               printable_service(request.service) + "'");
    }

    if (read_store_ == nullptr)
      return temp_fail(std::move(token_id), "token store unavailable: no store");
    auto found = read_store_->find_for_verify(token_id, config_.default_plan);
    if (!found)
      return temp_fail(std::move(token_id), "token store unavailable: " + found.error().message);
    if (!found->has_value()) return mismatch(std::move(token_id), "unknown token");
    const VerifyRecord& record = **found;

    if (record.revoked_at || record.hash.empty())
      return mismatch(std::move(token_id), "token revoked");

    const Pepper* pepper = peppers_.find(record.key_id);
    if (pepper == nullptr) {
      // Not the client's fault: the admin rotated the pepper away without keeping the old one.
      return temp_fail(std::move(token_id), "no pepper loaded for key id " + record.key_id);
    }
    if (!pepper->verify(parsed->secret, record.hash))
      return mismatch(std::move(token_id), "wrong secret");
    if (!owner_from_token && record.user != user) {
      return mismatch(std::move(token_id), "token belongs to another user");
    }

    // The client has proven the token: from here on, reasons may be shown to it.
    if (record.expires_at && *record.expires_at <= now) {
      VerifyOutcome outcome = refused(std::move(token_id), "this API token has expired");
      outcome.expired = true;
      return outcome;
    }
    if (!record.plan_allows_tokens) {
      return refused(std::move(token_id), "API tokens are not available on this account's plan");
    }
    if (auto access = check_protocol_access(record.grant, *protocol); !access) {
      return refused(std::move(token_id), access.error().message);
    }

    VerifyOutcome out;
    out.status = VerifyStatus::kAllow;
    out.token_id = std::move(token_id);
    out.user = record.user;
    out.grant = record.grant;
    out.row_id = record.id;
    out.protocol = protocol;
    out.log_reason = std::string("token accepted (") + access_name(record.grant.access) + ", " +
                     record.grant.scopes.to_string() + ")";
    out.wants_record_use =
        !record.last_used_at || now - *record.last_used_at >= config_.last_used_interval;
    return out;
  } catch (const std::exception&) {
    return temp_fail({}, "internal error while verifying a token");
  } catch (...) {
    return temp_fail({}, "internal error while verifying a token");
  }
}

Status Verifier::record_use(const VerifyOutcome& outcome, std::string_view remote_ip,
                            UnixTime now) {
  if (outcome.status != VerifyStatus::kAllow || !outcome.wants_record_use || !outcome.protocol) {
    return ok_status();
  }
  TokenStore* store = write_store_ ? write_store_.get() : read_store_.get();
  if (store == nullptr) return make_error(ErrorCode::kUnavailable, "no token store");
  try {
    return store->record_use(outcome.row_id, now, std::string(remote_ip),
                             protocol_name(*outcome.protocol));
  } catch (...) {
    return make_error(ErrorCode::kInternal, "internal error while recording token use");
  }
}

}  // namespace mailtoken
