// Verifier outcomes for every branch of the verify path, against an in-memory store, and the
// promise that no outcome string ever carries the token or its secret.
#include "mailtoken/verifier.h"

#include <gtest/gtest.h>

#include <map>

#include "mailtoken/token_codec.h"

namespace mailtoken {
namespace {

constexpr UnixTime kNow = 1796320118;

// Only the verify-path methods do anything; the admin methods are not used here.
class FakeTokenStore : public TokenStore {
 public:
  struct Use {
    std::int64_t id;
    UnixTime when;
    std::string ip;
    std::string protocol;
  };

  std::map<std::string, VerifyRecord> records;
  std::optional<Error> fail_with;  // every call fails with this when set
  std::vector<Use> uses;
  std::vector<std::string> looked_up;
  std::string last_default_plan;

  Result<SchemaStatus> schema_status() override { return SchemaStatus{}; }
  Result<int> migrate() override { return 0; }
  Result<std::optional<VerifyRecord>> find_for_verify(const std::string& selector,
                                                      const std::string& default_plan) override {
    looked_up.push_back(selector);
    last_default_plan = default_plan;
    if (fail_with) return *fail_with;
    auto it = records.find(selector);
    if (it == records.end()) return std::optional<VerifyRecord>();
    return std::optional<VerifyRecord>(it->second);
  }
  Status record_use(std::int64_t id, UnixTime when, const std::string& ip,
                    const std::string& protocol) override {
    if (fail_with) return *fail_with;
    uses.push_back({id, when, ip, protocol});
    return ok_status();
  }
  Result<TokenInfo> create_token(const NewTokenRow&, const std::string&) override {
    return unused();
  }
  Result<std::vector<TokenInfo>> list_tokens(const std::optional<std::string>&, bool) override {
    return unused();
  }
  Result<TokenInfo> get_token(const std::string&) override { return unused(); }
  Result<TokenInfo> revoke_token(const std::string&, const std::string&, UnixTime) override {
    return unused();
  }
  Status set_plan(const Plan&) override { return unused(); }
  Result<Plan> get_plan(const std::string&) override { return unused(); }
  Result<std::vector<Plan>> list_plans() override { return unused(); }
  Status set_account_plan(const std::string&, const std::string&) override { return unused(); }
  Result<std::string> account_plan(const std::string&, const std::string&) override {
    return unused();
  }
  Status add_event(const std::string&, const std::string&, const std::string&, const std::string&,
                   UnixTime) override {
    return unused();
  }

 private:
  static Error unused() { return make_error(ErrorCode::kInternal, "not used by the verifier"); }
};

Pepper pepper_of(char fill) {
  const std::string key(40, fill);
  return Pepper::from_bytes(
      SecretBytes(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
}

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.database = "fake://";
    config_.pepper_file = "/dev/null";
    make_verifier();
    token_ = add_token("alice", Grant{Access::kReadWrite, ScopeSet(0x1f)});
  }

  void make_verifier(bool separate_write_store = false) {
    auto read = std::make_unique<FakeTokenStore>();
    read_ = read.get();
    std::unique_ptr<TokenStore> write;
    write_ = nullptr;
    if (separate_write_store) {
      auto w = std::make_unique<FakeTokenStore>();
      write_ = w.get();
      write = std::move(w);
    }
    PepperRing ring(pepper_of('c'));
    ring.add_retired(pepper_of('o'));
    verifier_ =
        std::make_unique<Verifier>(config_, std::move(ring), std::move(read), std::move(write));
  }

  // Stores a token for `user` hashed with the pepper `pepper_fill`; returns its text.
  std::string add_token(const std::string& user, Grant grant, char pepper_fill = 'c') {
    auto token = generate_token(config_.token_prefix);
    EXPECT_TRUE(token.ok());
    VerifyRecord record;
    record.id = next_id_++;
    record.selector = token->selector;
    record.user = user;
    record.grant = grant;
    const Pepper pepper = pepper_of(pepper_fill);
    record.hash = pepper.hash(token->secret);
    record.key_id = pepper.key_id();
    record.plan = "default";
    read_->records[token->selector] = record;
    return std::string(token->text.view());
  }

  VerifyRecord& record_of(const std::string& token) {
    return read_->records.at(std::string(parse_token(token, config_.token_prefix)->selector));
  }

  VerifyOutcome verify(const std::string& token, std::string_view user = "alice",
                       std::string_view service = "imap", UnixTime now = kNow) {
    VerifyOutcome out = verifier_->verify(VerifyRequest{user, token, service, "192.0.2.7"}, now);
    expect_no_secret(out, token);
    return out;
  }

  // No outcome field may hold the token text, its secret part, or any long piece of it.
  static void expect_no_secret(const VerifyOutcome& out, const std::string& token) {
    const std::size_t secret_at = token.rfind('_');
    std::vector<std::string> needles{token};
    if (secret_at != std::string::npos && token.size() > secret_at + 1 + kSecretTextLength) {
      const std::string secret_text = token.substr(secret_at + 1, kSecretTextLength);
      needles.push_back(secret_text);
      needles.push_back(secret_text.substr(0, 12));
      needles.push_back(secret_text.substr(40, 12));
    }
    for (const std::string* field :
         {&out.token_id, &out.user, &out.client_reason, &out.log_reason}) {
      for (const auto& needle : needles) {
        if (needle.empty()) continue;
        EXPECT_EQ(field->find(needle), std::string::npos) << "outcome leaks token text: " << *field;
      }
    }
  }

  Config config_;
  FakeTokenStore* read_ = nullptr;
  FakeTokenStore* write_ = nullptr;
  std::unique_ptr<Verifier> verifier_;
  std::string token_;
  std::int64_t next_id_ = 1;
};

TEST_F(VerifierTest, AllowsTheOwnerWithTheGrant) {
  const VerifyOutcome out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kAllow) << out.log_reason;
  EXPECT_EQ(out.user, "alice");
  EXPECT_EQ(out.grant.access, Access::kReadWrite);
  EXPECT_EQ(out.grant.scopes, ScopeSet(0x1f));
  EXPECT_EQ(out.row_id, 1);
  EXPECT_EQ(out.protocol, Protocol::kImap);
  EXPECT_EQ(out.token_id, token_.substr(4, kSelectorLength));
  EXPECT_TRUE(out.wants_record_use);
  EXPECT_TRUE(out.client_reason.empty());
  EXPECT_EQ(read_->last_default_plan, "default");
}

TEST_F(VerifierTest, NormalisesTheLoginName) {
  EXPECT_EQ(verify(token_, "ALICE").status, VerifyStatus::kAllow);
  EXPECT_EQ(verify(token_, "Alice").user, "alice");
}

TEST_F(VerifierTest, MalformedTextIsAMismatchWithoutAStoreTrip) {
  std::string damaged = token_;
  damaged[10] = damaged[10] == 'a' ? 'b' : 'a';
  VerifyOutcome out = verify(damaged);
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "token checksum mismatch");
  EXPECT_TRUE(out.token_id.empty());

  out = verify("hunter2");
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "malformed token");

  out = verify(std::string(10 * 1024, 'a'));
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "malformed token");

  out = verify(token_.substr(0, token_.size() - 1));
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);

  out = verify(token_ + std::string(1, '\0'));
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_TRUE(read_->looked_up.empty());
}

TEST_F(VerifierTest, AnInvalidUserNameIsAMismatch) {
  for (std::string_view user : {std::string_view(""), std::string_view("al ice"),
                                std::string_view("a\nb"), std::string_view("\xff")}) {
    const VerifyOutcome out = verify(token_, user);
    EXPECT_EQ(out.status, VerifyStatus::kMismatch);
    EXPECT_NE(out.log_reason.find("invalid user name"), std::string::npos);
  }
}

// Regression: a refusal for an unknown service became OK+nologin in Dovecot, which Postfix
// SASL (service=smtp) takes as a successful login, even for a forged token never looked up.
TEST_F(VerifierTest, OtherServicesAreAPlainMismatch) {
  for (std::string_view service : {"lmtp", "doveadm", "smtp", ""}) {
    const VerifyOutcome out = verify(token_, "alice", service);
    EXPECT_EQ(out.status, VerifyStatus::kMismatch);
    EXPECT_EQ(out.client_reason, "");
    EXPECT_NE(out.log_reason.find("'" + std::string(service) + "'"), std::string::npos);
  }
  EXPECT_TRUE(read_->looked_up.empty());
}

TEST_F(VerifierTest, StoreErrorsAreTemporaryFailures) {
  read_->fail_with = make_error(ErrorCode::kUnavailable, "connection refused");
  VerifyOutcome out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kTempFail);
  EXPECT_EQ(out.log_reason, "token store unavailable: connection refused");
  read_->fail_with = make_error(ErrorCode::kInternal, "odd row");
  out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kTempFail);
}

TEST_F(VerifierTest, UnknownSelectorIsAMismatch) {
  read_->records.clear();
  const VerifyOutcome out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "unknown token");
}

TEST_F(VerifierTest, RevokedIsAMismatch) {
  record_of(token_).revoked_at = kNow - 10;
  EXPECT_EQ(verify(token_).log_reason, "token revoked");
  record_of(token_).revoked_at.reset();
  record_of(token_).hash.clear();
  const VerifyOutcome out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "token revoked");
}

TEST_F(VerifierTest, MissingPepperIsATemporaryFailure) {
  record_of(token_).key_id = "deadbeef";
  const VerifyOutcome out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kTempFail);
  EXPECT_EQ(out.log_reason, "no pepper loaded for key id deadbeef");
}

TEST_F(VerifierTest, RetiredPepperStillVerifiesItsTokens) {
  const std::string old =
      add_token("alice", Grant{Access::kReadOnly, ScopeSet::of(Scope::kMail)}, 'o');
  EXPECT_EQ(verify(old).status, VerifyStatus::kAllow);
}

TEST_F(VerifierTest, WrongSecretIsAMismatch) {
  // Another valid token text with the same selector: right checksum, wrong secret.
  const std::string selector = token_.substr(4, kSelectorLength);
  SecretBytes other(kSecretBytes);
  other.data()[0] = 1;
  const std::string forged(encode_token("mt1", selector, other).view());
  VerifyOutcome out = verify(forged);
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "wrong secret");

  // A hash made with another pepper under this key id.
  record_of(token_).hash = std::string(64, '0');
  out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "wrong secret");
}

TEST_F(VerifierTest, AnotherUsersTokenIsAMismatch) {
  const VerifyOutcome out = verify(token_, "bob");
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
  EXPECT_EQ(out.log_reason, "token belongs to another user");
  EXPECT_TRUE(out.client_reason.empty());
}

TEST_F(VerifierTest, ExpiredIsRefusedOnlyAfterTheSecretMatches) {
  record_of(token_).expires_at = kNow;
  VerifyOutcome out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kRefused);
  EXPECT_EQ(out.client_reason, "this API token has expired");
  // Before the secret and owner are proven, nothing about the token's policy is revealed.
  EXPECT_EQ(verify(token_, "bob").status, VerifyStatus::kMismatch);
  record_of(token_).expires_at = kNow + 1;
  EXPECT_EQ(verify(token_).status, VerifyStatus::kAllow);
}

TEST_F(VerifierTest, PlanWithoutTokensIsRefused) {
  record_of(token_).plan_allows_tokens = false;
  const VerifyOutcome out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kRefused);
  EXPECT_EQ(out.client_reason, "API tokens are not available on this account's plan");
}

TEST_F(VerifierTest, ScopeAndReadOnlyRulesApplyPerProtocol) {
  const std::string ro_mail =
      add_token("alice", Grant{Access::kReadOnly, ScopeSet::of(Scope::kMail)});
  EXPECT_EQ(verify(ro_mail, "alice", "imap").status, VerifyStatus::kAllow);
  EXPECT_EQ(verify(ro_mail, "alice", "jmap").status, VerifyStatus::kAllow);
  VerifyOutcome out = verify(ro_mail, "alice", "pop3");
  EXPECT_EQ(out.status, VerifyStatus::kRefused);
  EXPECT_EQ(out.client_reason, "read-only API tokens cannot be used for POP3");
  out = verify(ro_mail, "alice", "sieve");
  EXPECT_EQ(out.status, VerifyStatus::kRefused);
  EXPECT_EQ(out.client_reason, "this API token has no 'sieve' scope");
  out = verify(ro_mail, "alice", "submission");
  EXPECT_EQ(out.client_reason, "this API token has no 'submission' scope");

  const std::string send_only =
      add_token("alice", Grant{Access::kReadWrite, ScopeSet::of(Scope::kSubmission)});
  EXPECT_EQ(verify(send_only, "alice", "submission").status, VerifyStatus::kAllow);
  out = verify(send_only, "alice", "imap");
  EXPECT_EQ(out.status, VerifyStatus::kRefused);
  EXPECT_EQ(out.client_reason, "this API token has no 'mail' scope");
}

TEST_F(VerifierTest, BearerLoginWithoutAUserNameWorksOnlyForJmap) {
  VerifyOutcome out = verify(token_, "", "jmap");
  EXPECT_EQ(out.status, VerifyStatus::kAllow);
  EXPECT_EQ(out.user, "alice");
  out = verify(token_, "", "imap");
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
}

TEST_F(VerifierTest, RecordUseHonoursTheInterval) {
  VerifyOutcome out = verify(token_);
  ASSERT_TRUE(out.wants_record_use);
  ASSERT_TRUE(verifier_->record_use(out, "192.0.2.7", kNow).ok());
  ASSERT_EQ(read_->uses.size(), 1u);
  EXPECT_EQ(read_->uses[0].id, 1);
  EXPECT_EQ(read_->uses[0].when, kNow);
  EXPECT_EQ(read_->uses[0].ip, "192.0.2.7");
  EXPECT_EQ(read_->uses[0].protocol, "imap");

  record_of(token_).last_used_at = kNow - 59;
  out = verify(token_);
  EXPECT_EQ(out.status, VerifyStatus::kAllow);
  EXPECT_FALSE(out.wants_record_use);
  ASSERT_TRUE(verifier_->record_use(out, "192.0.2.7", kNow).ok());
  EXPECT_EQ(read_->uses.size(), 1u);

  record_of(token_).last_used_at = kNow - 60;
  EXPECT_TRUE(verify(token_).wants_record_use);

  // Denied outcomes never write.
  VerifyOutcome denied = verify(token_, "bob");
  denied.wants_record_use = true;
  ASSERT_TRUE(verifier_->record_use(denied, "192.0.2.7", kNow).ok());
  EXPECT_EQ(read_->uses.size(), 1u);
}

TEST_F(VerifierTest, RecordUseGoesToTheWriteStoreAndReportsErrors) {
  make_verifier(/*separate_write_store=*/true);
  token_ = add_token("alice", Grant{Access::kReadWrite, ScopeSet::of(Scope::kMail)});
  const VerifyOutcome out = verify(token_, "alice", "pop3");
  ASSERT_EQ(out.status, VerifyStatus::kAllow);
  ASSERT_TRUE(verifier_->record_use(out, "2001:db8::1", kNow).ok());
  EXPECT_TRUE(read_->uses.empty());
  ASSERT_EQ(write_->uses.size(), 1u);
  EXPECT_EQ(write_->uses[0].protocol, "pop3");
  EXPECT_EQ(write_->uses[0].ip, "2001:db8::1");

  write_->fail_with = make_error(ErrorCode::kUnavailable, "gone");
  EXPECT_FALSE(verifier_->record_use(out, "2001:db8::1", kNow).ok());
}

TEST_F(VerifierTest, LastUsedIntervalZeroRecordsEveryUse) {
  config_.last_used_interval = 0;
  make_verifier();
  token_ = add_token("alice", Grant{Access::kReadWrite, ScopeSet::of(Scope::kMail)});
  record_of(token_).last_used_at = kNow;
  EXPECT_TRUE(verify(token_).wants_record_use);
}

TEST_F(VerifierTest, UsesTheConfiguredPrefixAndDefaultPlan) {
  config_.token_prefix = "acme2";
  config_.default_plan = "free";
  make_verifier();
  const std::string acme =
      add_token("alice", Grant{Access::kReadWrite, ScopeSet::of(Scope::kMail)});
  EXPECT_EQ(verify(acme).status, VerifyStatus::kAllow);
  EXPECT_EQ(read_->last_default_plan, "free");
  // An "mt1" token is not one of this server's tokens.
  auto mt1 = generate_token("mt1");
  const VerifyOutcome out = verify(std::string(mt1->text.view()));
  EXPECT_EQ(out.status, VerifyStatus::kMismatch);
}

}  // namespace
}  // namespace mailtoken
