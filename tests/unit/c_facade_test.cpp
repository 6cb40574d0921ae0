// The C facade as a host adapter uses it: opened from a config file, over a real SQLite store,
// answering through fixed buffers, and never crashing or accepting on bad calls.
#include "mailtoken/mailtoken.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "mailtoken/pepper.h"
#include "mailtoken/time_util.h"
#include "mailtoken/token_codec.h"
#include "mailtoken/token_store.h"

namespace mailtoken {
namespace {

namespace fs = std::filesystem;

class CFacadeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailtoken-facade-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    pepper_path_ = (dir_ / "pepper").string();
    ASSERT_TRUE(create_pepper_file(pepper_path_).ok());
    dsn_ = "sqlite3://db=" + (dir_ / "tokens.db").string();
    config_path_ = write_config("database = " + dsn_ + "\npepper_file = " + pepper_path_ + "\n");

    auto store = open_token_store(dsn_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto migrated = store_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;

    char err[256] = "unset";
    verifier_ = mailtoken_verifier_open(config_path_.c_str(), err, sizeof err);
    ASSERT_NE(verifier_, nullptr) << err;
    EXPECT_STREQ(err, "");
  }

  void TearDown() override {
    mailtoken_verifier_close(verifier_);
    store_.reset();
    fs::remove_all(dir_);
  }

  std::string write_config(const std::string& text, const std::string& name = "mailtoken.conf") {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Creates a token through the store, hashed with the configured pepper; returns its text.
  std::string create(const std::string& user, Access access, std::initializer_list<Scope> scopes,
                     std::optional<UnixTime> expires_at = std::nullopt) {
    auto token = generate_token("mt1");
    EXPECT_TRUE(token.ok());
    auto pepper = Pepper::load_file(pepper_path_);
    EXPECT_TRUE(pepper.ok());
    NewTokenRow row;
    row.selector = token->selector;
    row.user = user;
    row.name = "test";
    row.grant.access = access;
    for (Scope s : scopes) row.grant.scopes.add(s);
    row.hash = pepper->hash(token->secret);
    row.key_id = pepper->key_id();
    row.created_at = now_utc() - 100;
    row.created_by = "test";
    row.expires_at = expires_at;
    auto created = store_->create_token(row, "default");
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return std::string(token->text.view());
  }

  mailtoken_result verify(const std::string& token, const char* user = "alice",
                          const char* service = "imap") {
    const mailtoken_request request{user, token.data(), token.size(), service, "192.0.2.7"};
    std::memset(&outcome_, 0x5a, sizeof outcome_);  // garbage in: every field must be set
    const mailtoken_result result = mailtoken_verify(verifier_, &request, &outcome_);
    EXPECT_EQ(result, outcome_.result);
    expect_terminated_and_clean(token);
    return result;
  }

  void expect_terminated_and_clean(const std::string& token) {
    EXPECT_NE(std::memchr(outcome_.token_id, '\0', sizeof outcome_.token_id), nullptr);
    EXPECT_NE(std::memchr(outcome_.user, '\0', sizeof outcome_.user), nullptr);
    EXPECT_NE(std::memchr(outcome_.client_reason, '\0', sizeof outcome_.client_reason), nullptr);
    EXPECT_NE(std::memchr(outcome_.log_reason, '\0', sizeof outcome_.log_reason), nullptr);
    if (token.size() > 30) {
      const std::string secret_part = token.substr(token.rfind('_') + 1, 20);
      for (const char* text :
           {outcome_.token_id, outcome_.user, outcome_.client_reason, outcome_.log_reason}) {
        EXPECT_EQ(std::string(text).find(secret_part), std::string::npos) << text;
      }
    }
  }

  fs::path dir_;
  std::string pepper_path_, dsn_, config_path_;
  std::unique_ptr<TokenStore> store_;
  mailtoken_verifier* verifier_ = nullptr;
  mailtoken_outcome outcome_{};
};

TEST_F(CFacadeTest, AllowsAValidTokenAndFillsTheOutcome) {
  const std::string token = create("alice", Access::kReadOnly, {Scope::kMail, Scope::kSieve});
  ASSERT_EQ(verify(token), MAILTOKEN_ALLOW) << outcome_.log_reason;
  EXPECT_EQ(outcome_.read_only, 1);
  EXPECT_EQ(outcome_.scopes, unsigned{MAILTOKEN_SCOPE_MAIL | MAILTOKEN_SCOPE_SIEVE});
  EXPECT_STREQ(outcome_.token_id, token.substr(4, kSelectorLength).c_str());
  EXPECT_STREQ(outcome_.user, "alice");
  EXPECT_STREQ(outcome_.client_reason, "");
  EXPECT_EQ(outcome_.wants_record_use_, 1);
}

TEST_F(CFacadeTest, RecordUseWritesLastUsedOnce) {
  const std::string token = create("alice", Access::kReadWrite, {Scope::kMail});
  ASSERT_EQ(verify(token, "alice", "pop3"), MAILTOKEN_ALLOW) << outcome_.log_reason;
  const mailtoken_request request{"alice", token.data(), token.size(), "pop3", "192.0.2.7"};
  char err[256] = "unset";
  ASSERT_EQ(mailtoken_record_use(verifier_, &request, &outcome_, err, sizeof err), 0) << err;
  auto info = store_->get_token(token.substr(4, kSelectorLength));
  ASSERT_TRUE(info.ok()) << info.error().message;
  ASSERT_TRUE(info->last_used_at.has_value());
  EXPECT_LE(std::abs(*info->last_used_at - now_utc()), 5);
  EXPECT_EQ(info->last_used_ip, "192.0.2.7");
  EXPECT_EQ(info->last_used_protocol, "pop3");

  // Within the interval the next login does not ask for another write.
  ASSERT_EQ(verify(token, "alice", "pop3"), MAILTOKEN_ALLOW);
  EXPECT_EQ(outcome_.wants_record_use_, 0);
  EXPECT_EQ(mailtoken_record_use(verifier_, &request, &outcome_, err, sizeof err), 0);
}

TEST_F(CFacadeTest, MismatchesAndRefusals) {
  const std::string token = create("alice", Access::kReadOnly, {Scope::kMail});
  EXPECT_EQ(verify(token, "bob"), MAILTOKEN_MISMATCH);
  EXPECT_STREQ(outcome_.log_reason, "token belongs to another user");
  EXPECT_STREQ(outcome_.user, "");

  std::string damaged = token;
  damaged[30] = damaged[30] == 'a' ? 'b' : 'a';
  EXPECT_EQ(verify(damaged), MAILTOKEN_MISMATCH);
  EXPECT_STREQ(outcome_.token_id, "");

  EXPECT_EQ(verify(token, "alice", "pop3"), MAILTOKEN_REFUSED);
  EXPECT_STREQ(outcome_.client_reason, "read-only API tokens cannot be used for POP3");
  EXPECT_EQ(outcome_.read_only, 0);  // nothing of the grant leaks out of a refusal
  EXPECT_EQ(outcome_.scopes, 0u);

  EXPECT_EQ(verify(token, "alice", "lmtp"), MAILTOKEN_MISMATCH);
  EXPECT_STREQ(outcome_.client_reason, "");

  const std::string expired = create("alice", Access::kReadWrite, {Scope::kMail}, now_utc() - 1);
  EXPECT_EQ(verify(expired), MAILTOKEN_REFUSED);
  EXPECT_STREQ(outcome_.client_reason, "this API token has expired");
}

TEST_F(CFacadeTest, RevocationTakesEffectOnTheNextLogin) {
  const std::string token = create("alice", Access::kReadWrite, {Scope::kMail});
  ASSERT_EQ(verify(token), MAILTOKEN_ALLOW);
  ASSERT_TRUE(store_->revoke_token(token.substr(4, kSelectorLength), "admin", now_utc()).ok());
  EXPECT_EQ(verify(token), MAILTOKEN_MISMATCH);
  EXPECT_STREQ(outcome_.log_reason, "token revoked");
}

TEST_F(CFacadeTest, BearerLoginWithoutUserReportsTheOwner) {
  const std::string token = create("carol@example.org", Access::kReadOnly, {Scope::kContacts});
  ASSERT_EQ(verify(token, nullptr, "jmap"), MAILTOKEN_ALLOW) << outcome_.log_reason;
  EXPECT_STREQ(outcome_.user, "carol@example.org");
  EXPECT_EQ(verify(token, nullptr, "imap"), MAILTOKEN_MISMATCH);
}

// Regression: an owner longer than outcome.user was cut short, so a JMAP gateway would have
// acted as (signed a JWT for) a different, shorter user name. Only a row written behind the
// admin tool's back can hold such a name; the facade must fail closed on it.
TEST_F(CFacadeTest, OwnerTooLongForTheHostIsATemporaryFailure) {
  const std::string long_user = std::string(300, 'a') + "@example.org";
  const std::string token = create(long_user, Access::kReadWrite, {Scope::kMail});
  EXPECT_EQ(verify(token, nullptr, "jmap"), MAILTOKEN_TEMPFAIL);
  EXPECT_STREQ(outcome_.user, "");
  EXPECT_STREQ(outcome_.log_reason, "token owner name too long for the host");
}

TEST_F(CFacadeTest, OversizedTokensAreRefusedWithoutBeingRead) {
  const std::string huge(10 * 1024, 'a');
  EXPECT_EQ(verify(huge), MAILTOKEN_MISMATCH);
  EXPECT_STREQ(outcome_.log_reason, "malformed token");
  // A huge length with a short buffer: the facade must not read past kMaxTokenLength.
  const char small[] = "mt1_x";
  const mailtoken_request request{"alice", small, std::size_t{1} << 40, "imap", nullptr};
  EXPECT_EQ(mailtoken_verify(verifier_, &request, &outcome_), MAILTOKEN_MISMATCH);
}

TEST_F(CFacadeTest, NullArgumentsAreTemporaryFailures) {
  const std::string token = create("alice", Access::kReadWrite, {Scope::kMail});
  mailtoken_request request{"alice", token.data(), token.size(), "imap", nullptr};
  EXPECT_EQ(mailtoken_verify(nullptr, &request, &outcome_), MAILTOKEN_TEMPFAIL);
  EXPECT_STRNE(outcome_.log_reason, "");
  EXPECT_EQ(mailtoken_verify(verifier_, nullptr, &outcome_), MAILTOKEN_TEMPFAIL);
  EXPECT_EQ(mailtoken_verify(verifier_, &request, nullptr), MAILTOKEN_TEMPFAIL);
  request.token = nullptr;
  EXPECT_EQ(mailtoken_verify(verifier_, &request, &outcome_), MAILTOKEN_TEMPFAIL);
  request.token = token.data();
  request.service = nullptr;
  EXPECT_EQ(mailtoken_verify(verifier_, &request, &outcome_), MAILTOKEN_TEMPFAIL);
  request.service = "imap";
  EXPECT_EQ(mailtoken_verify(verifier_, &request, &outcome_),
            MAILTOKEN_ALLOW);  // remote_ip NULL is fine

  char err[64];
  EXPECT_EQ(mailtoken_record_use(nullptr, &request, &outcome_, err, sizeof err), -1);
  EXPECT_EQ(mailtoken_record_use(verifier_, nullptr, &outcome_, err, sizeof err), -1);
  EXPECT_EQ(mailtoken_record_use(verifier_, &request, nullptr, nullptr, 0), -1);
  mailtoken_verifier_close(nullptr);
}

TEST_F(CFacadeTest, DatabaseTroubleIsATemporaryFailure) {
  const std::string token = create("alice", Access::kReadWrite, {Scope::kMail});
  const std::string config =
      write_config("database = sqlite3://db=" + (dir_ / "no-such-dir" / "tokens.db").string() +
                       "\npepper_file = " + pepper_path_ + "\n",
                   "broken-db.conf");
  char err[256];
  mailtoken_verifier* broken = mailtoken_verifier_open(config.c_str(), err, sizeof err);
  ASSERT_NE(broken, nullptr) << err;  // connecting is lazy
  const mailtoken_request request{"alice", token.data(), token.size(), "imap", nullptr};
  EXPECT_EQ(mailtoken_verify(broken, &request, &outcome_), MAILTOKEN_TEMPFAIL);
  EXPECT_NE(std::string(outcome_.log_reason).find("token store unavailable"), std::string::npos)
      << outcome_.log_reason;
  mailtoken_verifier_close(broken);
}

TEST_F(CFacadeTest, OpenReportsConfigErrorsWithoutSecrets) {
  char err[256];
  EXPECT_EQ(mailtoken_verifier_open((dir_ / "missing.conf").c_str(), err, sizeof err), nullptr);
  EXPECT_NE(std::string(err).find("missing.conf"), std::string::npos);

  const std::string bad = write_config("database = mysql://db=x password=hunter2\n", "bad.conf");
  EXPECT_EQ(mailtoken_verifier_open(bad.c_str(), err, sizeof err), nullptr);
  EXPECT_NE(std::string(err).find("pepper_file"), std::string::npos);
  EXPECT_EQ(std::string(err).find("hunter2"), std::string::npos);

  fs::permissions(pepper_path_, fs::perms::others_read, fs::perm_options::add);
  EXPECT_EQ(mailtoken_verifier_open(config_path_.c_str(), err, sizeof err), nullptr);
  EXPECT_NE(std::string(err).find("chmod 0640"), std::string::npos);

  // A tiny buffer still gets a terminated (truncated) message; a NULL one is fine too.
  char tiny[8];
  EXPECT_EQ(mailtoken_verifier_open((dir_ / "missing.conf").c_str(), tiny, sizeof tiny), nullptr);
  EXPECT_EQ(std::strlen(tiny), sizeof tiny - 1);
  EXPECT_EQ(mailtoken_verifier_open(nullptr, nullptr, 0), nullptr);
}

TEST_F(CFacadeTest, NamesForHosts) {
  EXPECT_STREQ(mailtoken_access_name(1), "read-only");
  EXPECT_STREQ(mailtoken_access_name(0), "read-write");
  char buf[64];
  mailtoken_scope_names(MAILTOKEN_SCOPE_SIEVE | MAILTOKEN_SCOPE_MAIL, buf, sizeof buf);
  EXPECT_STREQ(buf, "mail,sieve");
  mailtoken_scope_names(0x1f, buf, 10);
  EXPECT_STREQ(buf, "mail,subm");
  mailtoken_scope_names(0xffu, buf, sizeof buf);  // unknown bits are ignored
  EXPECT_STREQ(buf, "mail,submission,contacts,calendars,sieve");
  mailtoken_scope_names(1, nullptr, 0);
}

TEST_F(CFacadeTest, ConcurrentCallersShareOneVerifier) {
  const std::string token = create("alice", Access::kReadWrite, {Scope::kMail});
  std::vector<std::thread> threads;
  std::atomic<int> allowed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const mailtoken_request request{"alice", token.data(), token.size(), "imap", "192.0.2.9"};
        mailtoken_outcome out{};
        if (mailtoken_verify(verifier_, &request, &out) == MAILTOKEN_ALLOW) {
          ++allowed;
          char err[128];
          mailtoken_record_use(verifier_, &request, &out, err, sizeof err);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 200);
}

}  // namespace
}  // namespace mailtoken
