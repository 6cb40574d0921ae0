#include "admin/output.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <sstream>

#include "admin/validation.h"
#include "mailtoken/scopes.h"

namespace mailtoken::admin {
namespace {

constexpr std::size_t kMaxCellChars = 40;

std::string iso_or(const std::optional<UnixTime>& t, const char* fallback) {
  return t ? format_iso8601(*t) : std::string(fallback);
}

// "2026-12-03T17:48:38Z" -> "2026-12-03 17:48" for tables (the header says UTC).
std::string short_time(UnixTime t) {
  std::string iso = format_iso8601(t);
  if (iso.size() >= 16 && iso[10] == 'T') {
    iso[10] = ' ';
    iso.resize(16);
  }
  return iso;
}

std::string last_used_summary(const TokenInfo& t, bool short_form) {
  if (!t.last_used_at) return "never";
  std::string text = short_form ? short_time(*t.last_used_at) : format_iso8601(*t.last_used_at);
  if (!t.last_used_protocol.empty()) text += " " + t.last_used_protocol;
  if (!t.last_used_ip.empty()) text += " from " + t.last_used_ip;
  return text;
}

// Valid UTF-8 for JSON: invalid bytes become U+FFFD.
std::string json_safe(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // Take the longest valid sequence starting here, else one replacement character.
    bool taken = false;
    for (std::size_t len = 4; len >= 2 && !taken; --len) {
      if (i + len <= text.size() && is_valid_utf8(text.substr(i, len))) {
        out.append(text.substr(i, len));
        i += len - 1;
        taken = true;
      }
    }
    if (!taken) out += "\xEF\xBF\xBD";
  }
  return out;
}

template <typename Writer>
void write_string(Writer& w, std::string_view text) {
  const std::string safe = json_safe(text);
  w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
}

template <typename Writer>
void write_key(Writer& w, const char* key) {
  w.Key(key);
}

template <typename Writer>
void write_optional_time(Writer& w, const char* key, const std::optional<UnixTime>& t) {
  write_key(w, key);
  if (t) {
    write_string(w, format_iso8601(*t));
  } else {
    w.Null();
  }
}

template <typename Writer>
void write_optional_string(Writer& w, const char* key, const std::string& value) {
  write_key(w, key);
  if (value.empty()) {
    w.Null();
  } else {
    write_string(w, value);
  }
}

template <typename Writer>
void write_scopes(Writer& w, const ScopeSet& scopes) {
  write_key(w, "scopes");
  w.StartArray();
  for (const std::string& name : scopes.names()) write_string(w, name);
  w.EndArray();
}

// The members `create --json`, `list --json` and `show --json` share (after "id").
template <typename Writer>
void write_issued_fields(Writer& w, const TokenInfo& t) {
  write_key(w, "user");
  write_string(w, t.user);
  write_key(w, "name");
  write_string(w, t.name);
  write_key(w, "access");
  write_string(w, access_name(t.grant.access));
  write_scopes(w, t.grant.scopes);
  write_key(w, "created_at");
  write_string(w, format_iso8601(t.created_at));
  write_optional_string(w, "created_by", t.created_by);
  write_optional_time(w, "expires_at", t.expires_at);
}

template <typename Writer>
void write_token_object(Writer& w, const TokenInfo& t, UnixTime now) {
  w.StartObject();
  write_key(w, "id");
  write_string(w, t.selector);
  write_issued_fields(w, t);
  write_optional_time(w, "revoked_at", t.revoked_at);
  write_optional_string(w, "revoked_by", t.revoked_by);
  write_optional_time(w, "last_used_at", t.last_used_at);
  write_optional_string(w, "last_used_ip", t.last_used_ip);
  write_optional_string(w, "last_used_protocol", t.last_used_protocol);
  write_key(w, "status");
  write_string(w, token_status_name(token_status(t, now)));
  w.EndObject();
}

template <typename Writer>
void write_plan_object(Writer& w, const Plan& p) {
  w.StartObject();
  write_key(w, "name");
  write_string(w, p.name);
  write_key(w, "tokens");
  write_string(w, p.tokens_allowed ? "allowed" : "denied");
  write_key(w, "max_tokens");
  if (p.max_tokens) {
    w.Int64(*p.max_tokens);
  } else {
    w.Null();
  }
  w.EndObject();
}

template <typename Fn>
std::string pretty_json(Fn&& write) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  write(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace

TokenStatus token_status(const TokenInfo& token, UnixTime now) {
  if (token.revoked_at) return TokenStatus::kRevoked;
  if (token.expires_at && *token.expires_at <= now) return TokenStatus::kExpired;
  return TokenStatus::kActive;
}

const char* token_status_name(TokenStatus status) {
  switch (status) {
    case TokenStatus::kActive:
      return "active";
    case TokenStatus::kExpired:
      return "expired";
    case TokenStatus::kRevoked:
      return "revoked";
  }
  return "unknown";
}

std::string display_cell(std::string_view text, std::size_t max_chars) {
  // Database fields are never tokens; a name merely shaped like one is shown as it is.
  return printable(text, max_chars, /*hide_token_like=*/false);
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    std::vector<std::string> shown;
    for (std::size_t c = 0; c < row.size(); ++c) {
      shown.push_back(display_cell(row[c], kMaxCellChars));
      if (widths.size() <= c) widths.push_back(0);
      widths[c] = std::max(widths[c], utf8_length(shown.back()));
    }
    cells.push_back(std::move(shown));
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - utf8_length(row[c]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string tokens_table(const std::vector<TokenInfo>& tokens, UnixTime now) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "USER", "NAME", "ACCESS", "SCOPES", "CREATED (UTC)", "LAST USED", "EXPIRES",
                  "STATUS"});
  for (const TokenInfo& t : tokens) {
    rows.push_back({t.selector, t.user, t.name, access_name(t.grant.access),
                    t.grant.scopes.to_string(), short_time(t.created_at),
                    last_used_summary(t, true), t.expires_at ? short_time(*t.expires_at) : "never",
                    token_status_name(token_status(t, now))});
  }
  return format_table(rows);
}

std::string token_details(const TokenInfo& t, UnixTime now) {
  const std::pair<const char*, std::string> lines[] = {
      {"id", t.selector},
      {"user", t.user},
      {"name", t.name},
      {"access", access_name(t.grant.access)},
      {"scopes", t.grant.scopes.to_string()},
      {"status", token_status_name(token_status(t, now))},
      {"created", format_iso8601(t.created_at)},
      {"created by", t.created_by.empty() ? "-" : t.created_by},
      {"expires", iso_or(t.expires_at, "never")},
      {"revoked", iso_or(t.revoked_at, "-")},
      {"revoked by", t.revoked_by.empty() ? "-" : t.revoked_by},
      {"last used", iso_or(t.last_used_at, "never")},
      {"last used ip", t.last_used_ip.empty() ? "-" : t.last_used_ip},
      {"last used protocol", t.last_used_protocol.empty() ? "-" : t.last_used_protocol},
  };
  std::string out;
  for (const auto& [key, value] : lines) {
    std::string label = std::string(key) + ":";
    out += label + std::string(20 - label.size(), ' ') + display_cell(value, 255) + "\n";
  }
  return out;
}

std::string tokens_json(const std::vector<TokenInfo>& tokens, UnixTime now) {
  return pretty_json([&](auto& w) {
    w.StartArray();
    for (const TokenInfo& t : tokens) write_token_object(w, t, now);
    w.EndArray();
  });
}

std::string token_json(const TokenInfo& token, UnixTime now) {
  return pretty_json([&](auto& w) { write_token_object(w, token, now); });
}

SecretString created_token_json(const TokenInfo& t, const SecretString& token_text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  write_key(w, "id");
  write_string(w, t.selector);
  write_key(w, "token");
  // Token text is ASCII by construction: write it directly, no intermediate copy.
  w.String(token_text.view().data(), static_cast<rapidjson::SizeType>(token_text.view().size()));
  write_issued_fields(w, t);
  w.EndObject();
  SecretString json(std::string(buffer.GetString(), buffer.GetSize()));
  // The buffer holds the token too; wipe it before it is freed.
  wipe(const_cast<char*>(buffer.GetString()), buffer.GetSize());
  return json;
}

std::string created_token_notice(const TokenInfo& t) {
  std::ostringstream text;
  text << "Save this token now: it cannot be shown again.\n"
       << "  id:      " << t.selector << "\n"
       << "  user:    " << display_cell(t.user, 255) << "\n"
       << "  name:    " << display_cell(t.name, 255) << "\n"
       << "  access:  " << access_name(t.grant.access) << "\n"
       << "  scopes:  " << t.grant.scopes.to_string() << "\n"
       << "  expires: " << iso_or(t.expires_at, "never") << "\n";
  return text.str();
}

std::string describe_plan(const Plan& plan) {
  if (!plan.tokens_allowed) return "tokens denied";
  if (!plan.max_tokens) return "tokens allowed, no limit";
  return "tokens allowed, at most " + std::to_string(*plan.max_tokens) + " active per account";
}

std::string plans_table(const std::vector<Plan>& plans) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"PLAN", "TOKENS", "MAX TOKENS"});
  for (const Plan& p : plans) {
    rows.push_back({p.name, p.tokens_allowed ? "allowed" : "denied",
                    p.max_tokens ? std::to_string(*p.max_tokens) : "-"});
  }
  return format_table(rows);
}

std::string plans_json(const std::vector<Plan>& plans) {
  return pretty_json([&](auto& w) {
    w.StartArray();
    for (const Plan& p : plans) write_plan_object(w, p);
    w.EndArray();
  });
}

}  // namespace mailtoken::admin
