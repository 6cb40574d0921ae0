// The verify path without the database: parse + checksum, the keyed hash, the constant-time
// compare, and the whole Verifier::verify against an in-memory store.
// Target: parse to verified in under 2 microseconds per token on one core.
//
//   cmake -B build/release -DCMAKE_BUILD_TYPE=Release -DMAILTOKEN_BUILD_BENCHMARKS=ON
//   build/release/benchmarks/verify_benchmark
#include <benchmark/benchmark.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <map>

#include "mailtoken/pepper.h"
#include "mailtoken/token_codec.h"
#include "mailtoken/verifier.h"

namespace mailtoken {
namespace {

constexpr UnixTime kNow = 1796320118;

Pepper bench_pepper() {
  const std::string key(32, 'p');
  return Pepper::from_bytes(
      SecretBytes(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
}

NewToken bench_token() {
  auto token = generate_token("mt1");
  if (!token) std::abort();
  return std::move(*token);
}

// Answers find_for_verify from a map, like a store whose row is already in memory.
class InMemoryStore : public TokenStore {
 public:
  std::map<std::string, VerifyRecord, std::less<>> records;

  Result<SchemaStatus> schema_status() override { return SchemaStatus{}; }
  Result<int> migrate() override { return 0; }
  Result<std::optional<VerifyRecord>> find_for_verify(const std::string& selector,
                                                      const std::string&) override {
    auto it = records.find(selector);
    if (it == records.end()) return std::optional<VerifyRecord>();
    return std::optional<VerifyRecord>(it->second);
  }
  Status record_use(std::int64_t, UnixTime, const std::string&, const std::string&) override {
    return ok_status();
  }
  Result<TokenInfo> create_token(const NewTokenRow&, const std::string&) override { return none(); }
  Result<std::vector<TokenInfo>> list_tokens(const std::optional<std::string>&, bool) override {
    return none();
  }
  Result<TokenInfo> get_token(const std::string&) override { return none(); }
  Result<TokenInfo> revoke_token(const std::string&, const std::string&, UnixTime) override {
    return none();
  }
  Status set_plan(const Plan&) override { return none(); }
  Result<Plan> get_plan(const std::string&) override { return none(); }
  Result<std::vector<Plan>> list_plans() override { return none(); }
  Status set_account_plan(const std::string&, const std::string&) override { return none(); }
  Result<std::string> account_plan(const std::string&, const std::string&) override {
    return none();
  }
  Status add_event(const std::string&, const std::string&, const std::string&, const std::string&,
                   UnixTime) override {
    return none();
  }

 private:
  static Error none() { return make_error(ErrorCode::kInternal, "not in the benchmark"); }
};

void BM_ParseToken(benchmark::State& state) {
  const NewToken token = bench_token();
  for (auto _ : state) {
    auto parsed = parse_token(token.text.view(), "mt1");
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseToken);

void BM_ParseTokenChecksumMismatch(benchmark::State& state) {
  std::string text(bench_token().text.view());
  text[30] = text[30] == 'a' ? 'b' : 'a';  // inside the secret
  for (auto _ : state) {
    auto parsed = parse_token(text, "mt1");
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseTokenChecksumMismatch);

void BM_Crc32(benchmark::State& state) {
  const std::string text(bench_token().text.view());
  const std::string_view body = std::string_view(text).substr(0, text.size() - kChecksumLength);
  for (auto _ : state) benchmark::DoNotOptimize(crc32(body));
}
BENCHMARK(BM_Crc32);

// The pepper's prepared HMAC state (what the verifier uses).
void BM_PepperHash(benchmark::State& state) {
  const Pepper pepper = bench_pepper();
  const NewToken token = bench_token();
  for (auto _ : state) {
    std::string h = pepper.hash(token.secret);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_PepperHash);

// For comparison: OpenSSL's one-shot HMAC(), which fetches the algorithm and derives the
// pads from the key on every call.
void BM_OneShotHmacForComparison(benchmark::State& state) {
  const std::string key(32, 'p');
  const NewToken token = bench_token();
  unsigned char out[32];
  unsigned int len = 0;
  for (auto _ : state) {
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), token.secret.view().data(),
         token.secret.size(), out, &len);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_OneShotHmacForComparison);

// Hash + decode of the stored hex + CRYPTO_memcmp.
void BM_PepperVerify(benchmark::State& state) {
  const Pepper pepper = bench_pepper();
  const NewToken token = bench_token();
  const std::string stored = pepper.hash(token.secret);
  for (auto _ : state) benchmark::DoNotOptimize(pepper.verify(token.secret, stored));
}
BENCHMARK(BM_PepperVerify);

void BM_ConstantTimeCompare(benchmark::State& state) {
  unsigned char a[32] = {1}, b[32] = {1};
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(CRYPTO_memcmp(a, b, sizeof a));
  }
}
BENCHMARK(BM_ConstantTimeCompare);

// Everything from the token text to an allow, except the database round trip.
void BM_VerifierVerify(benchmark::State& state) {
  const NewToken token = bench_token();
  const Pepper pepper = bench_pepper();
  auto store = std::make_unique<InMemoryStore>();
  VerifyRecord record;
  record.id = 1;
  record.selector = token.selector;
  record.user = "alice@example.com";
  record.grant = Grant{Access::kReadWrite, ScopeSet::of(Scope::kMail)};
  record.hash = pepper.hash(token.secret);
  record.key_id = pepper.key_id();
  record.last_used_at = kNow;
  // A million-token store would hold more rows; the lookup cost is the database's, not measured.
  store->records.emplace(token.selector, record);
  Config config;
  Verifier verifier(config, PepperRing(bench_pepper()), std::move(store), nullptr);
  const VerifyRequest request{"alice@example.com", token.text.view(), "imap", "192.0.2.1"};
  for (auto _ : state) {
    VerifyOutcome out = verifier.verify(request, kNow);
    if (out.status != VerifyStatus::kAllow) state.SkipWithError("not allowed");
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_VerifierVerify);

void BM_VerifierVerifyMalformed(benchmark::State& state) {
  Config config;
  Verifier verifier(config, PepperRing(bench_pepper()), std::make_unique<InMemoryStore>(), nullptr);
  const VerifyRequest request{"alice@example.com", "correct horse battery staple", "imap", ""};
  for (auto _ : state) benchmark::DoNotOptimize(verifier.verify(request, kNow));
}
BENCHMARK(BM_VerifierVerifyMalformed);

}  // namespace
}  // namespace mailtoken

BENCHMARK_MAIN();
