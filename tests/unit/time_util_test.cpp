// UTC times and durations as the admin tool reads and shows them.
#include "mailtoken/time_util.h"

#include <gtest/gtest.h>

#include <ctime>

namespace mailtoken {
namespace {

UnixTime parsed_time(std::string_view text) {
  auto t = parse_iso8601(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : -1;
}

std::int64_t parsed_duration(std::string_view text) {
  auto d = parse_duration(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? *d : -1;
}

TEST(Iso8601, FormatsUtc) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(1796320118), "2026-12-03T17:48:38Z");
  EXPECT_EQ(format_iso8601(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_iso8601(253402300799), "9999-12-31T23:59:59Z");
}

TEST(Iso8601, ParsesTheThreeAcceptedForms) {
  EXPECT_EQ(parsed_time("2026-12-03T17:48:38Z"), 1796320118);
  EXPECT_EQ(parsed_time("2026-12-03T17:48:38"), 1796320118);
  EXPECT_EQ(parsed_time("2026-12-03"), 1796320118 - (17 * 3600 + 48 * 60 + 38));
  EXPECT_EQ(parsed_time("2000-02-29"), 951782400);
  EXPECT_EQ(parsed_time("1970-01-01T00:00:00Z"), 0);
}

TEST(Iso8601, RoundTripsAndAgreesWithTheCLibrary) {
  for (UnixTime t : {UnixTime{0}, UnixTime{86399}, UnixTime{951868799}, UnixTime{1796320118},
                     UnixTime{4102444800}, UnixTime{253402300799}}) {
    EXPECT_EQ(parsed_time(format_iso8601(t)), t);
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    EXPECT_EQ(format_iso8601(t), buf);
  }
}

TEST(Iso8601, RefusesMalformedAndOutOfRangeTimes) {
  for (const char* bad :
       {"", "2026", "2026-1-01", "2026-13-01", "2026-00-10", "2026-02-29", "2100-02-29",
        "2026-04-31", "2026-12-03T24:00:00", "2026-12-03T23:60:00", "2026-12-03T23:59:60",
        "2026-12-03 17:48:38", "2026-12-03T17:48", "2026-12-03T17:48:38+01:00",
        "2026-12-03T17:48:38z", "2026-12-03Z", "+026-12-03", "2026-12-03T17:48:38ZZ", "twenty"}) {
    EXPECT_FALSE(parse_iso8601(bad).ok()) << bad;
  }
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parsed_duration("90s"), 90);
  EXPECT_EQ(parsed_duration("45m"), 2700);
  EXPECT_EQ(parsed_duration("12h"), 43200);
  EXPECT_EQ(parsed_duration("30d"), 2592000);
  EXPECT_EQ(parsed_duration("2w"), 1209600);
  EXPECT_EQ(parsed_duration("007d"), 604800);
  EXPECT_EQ(parsed_duration("36525d"), 36525LL * 86400);
}

TEST(Duration, RefusesZeroNegativeHugeAndMalformed) {
  for (const char* bad :
       {"", "d", "0d", "0s", "-1d", "+1d", "1", "1y", "1D", " 1d", "1d ", "1.5d", "36526d", "5218w",
        "3155760001s", "99999999999999999999999d", "9223372036854775807s"}) {
    EXPECT_FALSE(parse_duration(bad).ok()) << bad;
  }
}

TEST(Expiry, AcceptsADurationOrAFutureTime) {
  const UnixTime now = 1796320118;
  auto in_a_month = parse_expiry("30d", now);
  ASSERT_TRUE(in_a_month.ok());
  EXPECT_EQ(*in_a_month, now + 30 * 86400);
  auto absolute = parse_expiry("2027-01-01", now);
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(*absolute, parsed_time("2027-01-01T00:00:00Z"));
}

TEST(Expiry, RefusesPastTimesAndGarbage) {
  const UnixTime now = 1796320118;
  EXPECT_FALSE(parse_expiry("2026-12-03T17:48:38Z", now).ok());  // now is not the future
  EXPECT_FALSE(parse_expiry("2020-01-01", now).ok());
  EXPECT_FALSE(parse_expiry("0d", now).ok());
  EXPECT_FALSE(parse_expiry("soon", now).ok());
  EXPECT_FALSE(parse_expiry("", now).ok());
}

TEST(Now, IsCloseToTheSystemClock) {
  const auto t = static_cast<UnixTime>(std::time(nullptr));
  EXPECT_LE(std::abs(now_utc() - t), 2);
}

}  // namespace
}  // namespace mailtoken
