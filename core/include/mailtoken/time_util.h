// UTC times as the core stores them (seconds since the Unix epoch, in an integer column, so
// SQLite and MariaDB agree and no session time zone can shift them) and as it shows them
// (ISO-8601 "2026-12-03T17:48:38Z").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mailtoken/result.h"

namespace mailtoken {

using UnixTime = std::int64_t;

UnixTime now_utc();
std::string format_iso8601(UnixTime t);
// Accepts "2026-12-31T23:59:59Z", "2026-12-31T23:59:59" (UTC assumed), "2026-12-31".
Result<UnixTime> parse_iso8601(std::string_view text);
// "30d", "12h", "45m", "90s", "2w": positive, at most 100 years. Returns seconds.
Result<std::int64_t> parse_duration(std::string_view text);
// An --expires value: a duration from `now`, or an absolute ISO-8601 time; must be in the future.
Result<UnixTime> parse_expiry(std::string_view text, UnixTime now);

}  // namespace mailtoken
