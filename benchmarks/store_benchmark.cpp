// The verify path's only database query, TokenStore::find_for_verify, with a million tokens
// loaded (DESIGN section 9: every verify query uses an index; measure at a million tokens).
//
// SQLite runs on a temp file. MariaDB runs on the server whose socket is in
// MAILTOKEN_TEST_MYSQL_SOCKET (scripts/mariadb-start.sh DIR PORT starts one), in a database
// created for the run and dropped at the end; without the variable that variant is skipped
// with a message. Each iteration is one lookup of a random existing selector (or, in the
// "unknown" variants, of a selector that is not there), through the store's own session.
//
//   export MAILTOKEN_TEST_MYSQL_SOCKET=/tmp/mt-mariadb/mysqld.sock
//   build/release/benchmarks/store_benchmark --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <soci/soci.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "mailtoken/token_store.h"

namespace {

namespace fs = std::filesystem;
using mailtoken::TokenStore;

constexpr std::int64_t kRowsPerInsert = 1000;
constexpr std::int64_t kTokensPerUser = 5;
constexpr std::int64_t kCreatedAt = 1'800'000'000;

// 1,000,000 by default (DESIGN: measure at a million tokens); MAILTOKEN_BENCH_TOKENS sets a
// smaller multiple of kRowsPerInsert for the CTest smoke run.
std::int64_t token_count() {
  static const std::int64_t count = [] {
    const char* text = std::getenv("MAILTOKEN_BENCH_TOKENS");
    const std::int64_t wanted = text != nullptr ? std::atoll(text) : 1'000'000;
    return wanted >= kRowsPerInsert ? wanted / kRowsPerInsert * kRowsPerInsert : kRowsPerInsert;
  }();
  return count;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 16 lowercase base32 characters, spread like real random selectors so lookups touch random
// index pages. Index i >= token_count() gives selectors that were never loaded.
std::string selector_for(std::int64_t i) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::uint64_t bits = splitmix64(static_cast<std::uint64_t>(i));
  std::uint64_t more = splitmix64(bits);
  std::string s(16, 'a');
  for (int k = 0; k < 12; ++k) s[k] = kAlphabet[(bits >> (5 * k)) & 31];
  for (int k = 12; k < 16; ++k) s[k] = kAlphabet[(more >> (5 * (k - 12))) & 31];  // shift < 64
  return s;
}

// Loads the tokens with multi-row INSERTs in one transaction. The values are generated here
// from digits and the base32 alphabet, never from outside input, which is why building the
// SQL text is acceptable in this benchmark (the store itself binds every value).
void bulk_load(soci::session& session, const char* begin) {
  session << begin;
  session << "INSERT INTO plans (name, tokens_allowed, max_tokens) VALUES ('default', 1, NULL)";
  const std::string hash(64, 'f');
  std::string sql;
  for (std::int64_t start = 0; start < token_count(); start += kRowsPerInsert) {
    sql = "INSERT INTO tokens (selector, user, name, access, scopes, hash, key_id, created_at, "
          "created_by) VALUES ";
    for (std::int64_t i = start; i < start + kRowsPerInsert; ++i) {
      if (i != start) sql += ',';
      sql += "('" + selector_for(i) + "','user" + std::to_string(i / kTokensPerUser) +
             "@example.org','benchmark','read-write','mail,submission','" + hash + "','0123abcd'," +
             std::to_string(kCreatedAt) + ",'bench')";
    }
    session << sql;
  }
  session << "COMMIT";
}

struct Dataset {
  std::unique_ptr<TokenStore> store;
  std::string dsn;
  std::string error;  // why the variant is skipped
};

std::unique_ptr<TokenStore> open_and_migrate(const std::string& dsn, std::string& error) {
  auto store = mailtoken::open_token_store(dsn);
  if (!store) {
    error = store.error().message;
    return nullptr;
  }
  auto migrated = (*store)->migrate();
  if (!migrated) {
    error = migrated.error().message;
    return nullptr;
  }
  return std::move(*store);
}

fs::path g_sqlite_dir;
std::string g_mysql_server_dsn;
std::string g_mysql_database;

Dataset& sqlite_dataset() {
  static Dataset dataset = [] {
    Dataset d;
    g_sqlite_dir = fs::temp_directory_path() / ("mt-store-bench-" + std::to_string(getpid()));
    fs::create_directories(g_sqlite_dir);
    std::string dsn = "sqlite3://db=" + (g_sqlite_dir / "tokens.db").string();
    d.dsn = dsn;
    d.store = open_and_migrate(dsn, d.error);
    if (!d.store) return d;
    auto t0 = std::chrono::steady_clock::now();
    soci::session session(dsn);
    bulk_load(session, "BEGIN IMMEDIATE");
    session << "ANALYZE";
    std::fprintf(stderr, "sqlite: loaded %lld tokens in %.1f s\n", static_cast<long long>(token_count()),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return d;
  }();
  return dataset;
}

Dataset& mariadb_dataset() {
  static Dataset dataset = [] {
    Dataset d;
    const char* socket = std::getenv("MAILTOKEN_TEST_MYSQL_SOCKET");
    if (socket == nullptr || *socket == '\0') {
      d.error = "MAILTOKEN_TEST_MYSQL_SOCKET is not set: start a server with "
                "scripts/mariadb-start.sh DIR PORT and export its socket to run this variant";
      return d;
    }
    try {
      g_mysql_server_dsn = std::string("mysql://user=root unix_socket=") + socket;
      g_mysql_database = "mt_bench_" + std::to_string(getpid());
      soci::session server(g_mysql_server_dsn);
      server << "CREATE DATABASE " + g_mysql_database;
      std::string dsn = "mysql://db=" + g_mysql_database + " user=root unix_socket=" + socket;
      d.dsn = dsn;
      d.store = open_and_migrate(dsn, d.error);
      if (!d.store) return d;
      auto t0 = std::chrono::steady_clock::now();
      soci::session session(dsn);
      bulk_load(session, "START TRANSACTION");
      session << "ANALYZE TABLE tokens";
      std::fprintf(stderr, "mariadb: loaded %lld tokens in %.1f s\n", static_cast<long long>(token_count()),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    } catch (const std::exception& e) {
      d.store.reset();
      d.error = std::string("cannot prepare the MariaDB dataset: ") + e.what();
    }
    return d;
  }();
  return dataset;
}

void find_for_verify(benchmark::State& state, Dataset& (*dataset)(), bool known) {
  Dataset& d = dataset();
  if (!d.store) {
    state.SkipWithError(d.error.c_str());
    return;
  }
  std::uint64_t i = 0;
  for (auto _ : state) {
    std::int64_t index = static_cast<std::int64_t>(splitmix64(++i) % token_count());
    if (!known) index += token_count();
    auto found = d.store->find_for_verify(selector_for(index), "default");
    if (!found || found->has_value() != known) {
      state.SkipWithError(found ? "unexpected lookup result" : found.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(found);
  }
}

// The floor under find_for_verify: one trivial query through SOCI on a kept connection, so
// the lookup's own cost can be read off the difference.
void round_trip(benchmark::State& state, Dataset& (*dataset)()) {
  Dataset& d = dataset();
  if (!d.store) {
    state.SkipWithError(d.error.c_str());
    return;
  }
  soci::session session(d.dsn);
  soci::statement select_one = (session.prepare << "SELECT 1");
  for (auto _ : state) {
    select_one.execute(true);
  }
}

void cleanup() {
  if (!g_sqlite_dir.empty()) fs::remove_all(g_sqlite_dir);
  if (!g_mysql_database.empty()) {
    try {
      soci::session server(g_mysql_server_dsn);
      server << "DROP DATABASE IF EXISTS " + g_mysql_database;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "could not drop %s: %s\n", g_mysql_database.c_str(), e.what());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RegisterBenchmark("find_for_verify/sqlite/known",
                               [](benchmark::State& s) { find_for_verify(s, &sqlite_dataset, true); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("find_for_verify/sqlite/unknown",
                               [](benchmark::State& s) { find_for_verify(s, &sqlite_dataset, false); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("find_for_verify/mariadb/known",
                               [](benchmark::State& s) { find_for_verify(s, &mariadb_dataset, true); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("find_for_verify/mariadb/unknown",
                               [](benchmark::State& s) { find_for_verify(s, &mariadb_dataset, false); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("round_trip_select_1/sqlite",
                               [](benchmark::State& s) { round_trip(s, &sqlite_dataset); })
      ->UseRealTime();
  benchmark::RegisterBenchmark("round_trip_select_1/mariadb",
                               [](benchmark::State& s) { round_trip(s, &mariadb_dataset); })
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  cleanup();
  return 0;
}
