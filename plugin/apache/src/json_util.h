// Small RapidJSON helpers shared by the session filter and the request guard (internal).
#pragma once

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mailtoken::jmap {

inline std::string_view as_view(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

// Throws std::runtime_error when the writer refuses a value (a number that parsed to
// infinity, such as 1e400): a half-written document must never be sent on. Callers run inside
// a try block that maps this to a failed request.
inline std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  if (!v.Accept(writer)) throw std::runtime_error("value cannot be written as JSON");
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Like to_json, but nullopt when a string is not valid UTF-8. The parser validates raw bytes
// only; an escaped lone low surrogate ("\udc00") still decodes to invalid UTF-8, which must
// not be sent on to a backend whose parser may read it differently.
inline std::optional<std::string> to_valid_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                    rapidjson::kWriteValidateEncodingFlag>
      writer(buffer);
  if (!v.Accept(writer)) return std::nullopt;
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

// Strict JSON (RFC 8259) and nothing more: no comments, NaN or trailing commas (RapidJSON's
// default flags), and raw input must be valid UTF-8. Not kParseFullPrecisionFlag: RapidJSON
// 1.1.0's full-precision strtod has undefined behaviour on extreme exponents (found by
// fuzzing); the default path may round a fraction one ulp differently, which no JMAP
// property depends on (ids, sizes and counts are integers, exact either way).
inline constexpr unsigned kStrictParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

enum class JsonProblem { kNone, kSyntax, kDuplicateMemberName, kNulInString };

// Finds what strict parsing lets through but the backend's parser (Cyrus: jansson) would read
// differently, at any depth:
// - an object naming a member twice: RapidJSON keeps both and FindMember returns the first,
//   jansson keeps the last, so any check made on one reading would not hold for the other.
//   Names compare as decoded strings ("a" and "\u0061" are the same name); sorting keeps
//   this O(n log n) on objects with many members.
// - "\u0000" in a string or name: C code behind the backend's parser may cut the string there.
// Recursion is bounded by kMaxJsonDepth (parse_json checks nesting first).
inline JsonProblem find_ambiguity(const rapidjson::Value& v) {
  if (v.IsString()) {
    return as_view(v).find('\0') == std::string_view::npos ? JsonProblem::kNone : JsonProblem::kNulInString;
  }
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) {
      if (auto problem = find_ambiguity(item); problem != JsonProblem::kNone) return problem;
    }
    return JsonProblem::kNone;
  }
  if (!v.IsObject()) return JsonProblem::kNone;
  std::vector<std::string_view> names;
  names.reserve(v.MemberCount());
  for (const auto& member : v.GetObject()) {
    if (auto problem = find_ambiguity(member.name); problem != JsonProblem::kNone) return problem;
    if (auto problem = find_ambiguity(member.value); problem != JsonProblem::kNone) return problem;
    names.push_back(as_view(member.name));
  }
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) == names.end() ? JsonProblem::kNone
                                                                        : JsonProblem::kDuplicateMemberName;
}

// Parses text that need not be NUL-terminated; trailing non-whitespace, nesting deeper than
// kMaxJsonDepth and what find_ambiguity finds are errors. Iterative parsing keeps the parser
// itself off the stack.
inline JsonProblem parse_json_strictly(rapidjson::Document& doc, std::string_view text) {
  if (!nesting_within(text, kMaxJsonDepth)) return JsonProblem::kSyntax;
  doc.Parse<kStrictParseFlags>(text.data(), text.size());
  if (doc.HasParseError()) return JsonProblem::kSyntax;
  return find_ambiguity(doc);
}

inline bool parse_json(rapidjson::Document& doc, std::string_view text) {
  return parse_json_strictly(doc, text) == JsonProblem::kNone;
}

// Parses a backend's API answer (RFC 8620 Response) strictly and returns its
// `methodResponses` array, or nullptr with why_r set when the answer is not such an object.
inline rapidjson::Value* parse_method_responses(rapidjson::Document& doc, std::string_view text,
                                                const char** why_r) {
  if (!parse_json(doc, text) || !doc.IsObject()) {
    *why_r = "backend answer is not a JSON object";
    return nullptr;
  }
  auto responses = doc.FindMember("methodResponses");
  if (responses == doc.MemberEnd() || !responses->value.IsArray()) {
    *why_r = "backend answer has no methodResponses";
    return nullptr;
  }
  return &responses->value;
}

}  // namespace mailtoken::jmap
