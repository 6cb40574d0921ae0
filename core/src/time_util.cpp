// UTC calendar arithmetic without the C library's time zone state (timegm/gmtime are not in
// every libc and consult TZ): Howard Hinnant's days_from_civil / civil_from_days.
#include "mailtoken/time_util.h"

#include <chrono>
#include <cstdio>
#include <limits>

namespace mailtoken {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kMaxDurationSeconds = 36525 * kSecondsPerDay;  // 100 Julian years

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `width` decimal digits at text[pos].
bool read_digits(std::string_view text, std::size_t pos, std::size_t width, unsigned& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

Error bad_time() {
  return make_error(ErrorCode::kInvalidArgument,
                    "invalid time: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[Z] (UTC)");
}

}  // namespace

UnixTime now_utc() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_iso8601(UnixTime t) {
  std::int64_t days = t / kSecondsPerDay;
  std::int64_t secs = t % kSecondsPerDay;
  if (secs < 0) {
    secs += kSecondsPerDay;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

Result<UnixTime> parse_iso8601(std::string_view text) {
  // YYYY-MM-DD, optionally followed by THH:MM:SS and optionally Z.
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !read_digits(text, 5, 2, month) || text[7] != '-' || !read_digits(text, 8, 2, day)) {
    return bad_time();
  }
  if (text.size() != 10) {
    const bool with_time = (text.size() == 19 || (text.size() == 20 && text[19] == 'Z')) &&
                           text[10] == 'T' && read_digits(text, 11, 2, hour) && text[13] == ':' &&
                           read_digits(text, 14, 2, minute) && text[16] == ':' &&
                           read_digits(text, 17, 2, second);
    if (!with_time) return bad_time();
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return make_error(ErrorCode::kInvalidArgument, "invalid time: a field is out of range");
  }
  return days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
}

Result<std::int64_t> parse_duration(std::string_view text) {
  const auto bad = [] {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid duration: expected a number and a unit (s, m, h, d or w), e.g. 30d");
  };
  if (text.size() < 2) return bad();
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = kSecondsPerDay;
      break;
    case 'w':
      unit = 7 * kSecondsPerDay;
      break;
    default:
      return bad();
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  std::int64_t count = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return bad();
    count = count * 10 + (c - '0');
    // Stop before the product could overflow; anything this big is over the limit anyway.
    if (count > kMaxDurationSeconds) {
      return make_error(ErrorCode::kInvalidArgument, "duration is longer than 100 years");
    }
  }
  if (count == 0) return make_error(ErrorCode::kInvalidArgument, "duration must be positive");
  if (count > kMaxDurationSeconds / unit) {
    return make_error(ErrorCode::kInvalidArgument, "duration is longer than 100 years");
  }
  return count * unit;
}

Result<UnixTime> parse_expiry(std::string_view text, UnixTime now) {
  UnixTime when = 0;
  const bool looks_like_time = text.size() >= 10 && text[4] == '-';
  if (looks_like_time) {
    auto t = parse_iso8601(text);
    if (!t) return t.error();
    when = *t;
  } else {
    auto d = parse_duration(text);
    if (!d) return d.error();
    when = now + *d;
  }
  if (when <= now) return make_error(ErrorCode::kInvalidArgument, "the expiry time is in the past");
  return when;
}

}  // namespace mailtoken
