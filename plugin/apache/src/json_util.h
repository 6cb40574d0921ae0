// Small RapidJSON helpers shared by the session filter and the request guard (internal).
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mailtoken::jmap {

inline std::string_view as_view(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

inline std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// JSON from clients may nest as deeply as the body limit allows; RapidJSON's writer and a
// recursive parse would follow that nesting on the stack. No JMAP object needs more than a
// few dozen levels.
inline constexpr int kMaxJsonDepth = 64;

inline bool nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// Parses text that need not be NUL-terminated; trailing non-whitespace and nesting deeper
// than kMaxJsonDepth are errors. Iterative parsing keeps the parser itself off the stack.
inline bool parse_json(rapidjson::Document& doc, std::string_view text) {
  if (!nesting_within(text, kMaxJsonDepth)) return false;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  return !doc.HasParseError();
}

}  // namespace mailtoken::jmap
