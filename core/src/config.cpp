// The config file parser. Strict on purpose: a typo must stop the service at start, not turn
// into a silently ignored setting. Values are never echoed in errors (a DSN holds a password).
#include "mailtoken/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "mailtoken/token_codec.h"

namespace mailtoken {
namespace {

constexpr std::int64_t kMaxLastUsedInterval = 86400;
constexpr std::size_t kMaxConfigBytes = 1 << 20;

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

Error line_error(int line, const std::string& message) {
  return make_error(ErrorCode::kInvalidArgument, "line " + std::to_string(line) + ": " + message);
}

Result<std::int64_t> parse_interval(std::string_view value) {
  if (value.empty() || value.size() > 6) return Error{ErrorCode::kInvalidArgument, ""};
  std::int64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return Error{ErrorCode::kInvalidArgument, ""};
    n = n * 10 + (c - '0');
  }
  if (n > kMaxLastUsedInterval) return Error{ErrorCode::kInvalidArgument, ""};
  return n;
}

Status set_value(Config& config, std::string_view key, std::string_view value, int line) {
  if (key == "database" || key == "database_read" || key == "pepper_file" ||
      key == "default_plan") {
    if (value.empty()) return line_error(line, std::string(key) + " has an empty value");
    std::string& target = key == "database"        ? config.database
                          : key == "database_read" ? config.database_read
                          : key == "pepper_file"   ? config.pepper_file
                                                   : config.default_plan;
    target.assign(value);
    return ok_status();
  }
  if (key == "retired_pepper_files") {
    config.retired_pepper_files.clear();
    while (true) {
      const std::size_t comma = value.find(',');
      const std::string_view item = trim(value.substr(0, comma));
      if (item.empty()) return line_error(line, "retired_pepper_files has an empty entry");
      config.retired_pepper_files.emplace_back(item);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
    return ok_status();
  }
  if (key == "token_prefix") {
    if (!is_valid_prefix(value)) {
      return line_error(
          line, "token_prefix must be 2-16 lowercase letters or digits, starting with a letter");
    }
    config.token_prefix.assign(value);
    return ok_status();
  }
  if (key == "last_used_interval") {
    auto interval = parse_interval(value);
    if (!interval) {
      return line_error(line,
                        "last_used_interval must be a whole number of seconds from 0 to 86400");
    }
    config.last_used_interval = *interval;
    return ok_status();
  }
  return line_error(line, "unknown key '" + std::string(key) + "'");
}

}  // namespace

Result<Config> parse_config(std::string_view text) {
  Config config;
  std::map<std::string, int, std::less<>> seen;  // key -> line where it was set
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);

    if (line.empty() || line.front() == '#') continue;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) return line_error(line_number, "expected 'key = value'");
    const std::string_view key = trim(line.substr(0, equals));
    const std::string_view value = trim(line.substr(equals + 1));
    if (key.empty()) return line_error(line_number, "expected 'key = value'");

    if (auto it = seen.find(key); it != seen.end()) {
      // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
      std::string message(1, '\'');
      message.append(key).append("' is already set on line ").append(std::to_string(it->second));
      return line_error(line_number, message);
    }
    if (auto set = set_value(config, key, value, line_number); !set) return set.error();
    seen.emplace(std::string(key), line_number);
  }
  if (config.database.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "missing required key 'database'");
  }
  if (config.pepper_file.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "missing required key 'pepper_file'");
  }
  return config;
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot read config file " + path + ": " + std::strerror(errno));
  }
  std::string text;
  char chunk[4096];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return make_error(ErrorCode::kInvalidArgument, "config file " + path + " is too large");
    }
  }
  if (in.bad()) return make_error(ErrorCode::kInvalidArgument, "cannot read config file " + path);
  auto config = parse_config(text);
  wipe(text.data(), text.size());  // it may hold a database password
  if (!config)
    return make_error(config.error().code, "config file " + path + ": " + config.error().message);
  return config;
}

std::string redact_dsn(std::string_view dsn) {
  std::string out;
  out.reserve(dsn.size());
  std::size_t i = 0;

  // URL-style credentials ("scheme://user:secret@host"), in case a backend is given one.
  if (const std::size_t scheme = dsn.find("://"); scheme != std::string_view::npos) {
    const std::size_t start = scheme + 3;
    std::size_t end = start;
    while (end < dsn.size() && dsn[end] != ' ' && dsn[end] != '@' && dsn[end] != '=' &&
           dsn[end] != '/')
      ++end;
    if (end < dsn.size() && dsn[end] == '@') {
      const std::size_t colon = dsn.substr(start, end - start).find(':');
      if (colon != std::string_view::npos) {
        out.append(dsn.substr(0, start + colon + 1));
        out.append("***");
        i = end;
      }
    }
  }

  while (i < dsn.size()) {
    // A key starts the string, follows "://" or follows whitespace.
    const bool at_key_start = i == 0 || dsn[i - 1] == ' ' || dsn[i - 1] == '\t' ||
                              (i >= 3 && dsn.substr(i - 3, 3) == "://");
    std::size_t key_length = 0;
    if (at_key_start) {
      if (dsn.substr(i, 9) == "password=")
        key_length = 9;
      else if (dsn.substr(i, 5) == "pass=")
        key_length = 5;  // SOCI's MySQL backend alias
    }
    if (key_length == 0) {
      out.push_back(dsn[i++]);
      continue;
    }
    out.append(dsn.substr(i, key_length));
    out.append("***");
    i += key_length;
    if (i < dsn.size() && (dsn[i] == '"' || dsn[i] == '\'')) {
      const std::size_t close = dsn.find(dsn[i], i + 1);
      i = close == std::string_view::npos ? dsn.size() : close + 1;
    } else {
      while (i < dsn.size() && dsn[i] != ' ' && dsn[i] != '\t') ++i;
    }
  }
  return out;
}

}  // namespace mailtoken
