// Fuzzes the session-resource filter with arbitrary backend JSON, for every scope set and
// access. The backend is trusted less than it seems: a proxy or a bug can garble it.
#include <cstdint>
#include <string_view>

#include <cstdlib>

#include <rapidjson/document.h>

#include "jmap_session_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned scopes = data[0] & 0x1f;
  const bool read_only = (data[0] & 0x20) != 0;
  const std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  auto filtered = mailtoken::jmap::filter_session(json, scopes, read_only, 65536);
  if (!filtered || !read_only) return 0;
  // Oracle: a read-only token's session says isReadOnly on every account it lists.
  rapidjson::Document doc;
  doc.Parse(filtered->data(), filtered->size());
  if (doc.HasParseError() || !doc.IsObject()) std::abort();  // the filter must emit JSON
  auto accounts = doc.FindMember("accounts");
  if (accounts == doc.MemberEnd() || !accounts->value.IsObject()) return 0;
  for (auto& account : accounts->value.GetObject()) {
    if (!account.value.IsObject()) continue;
    auto flag = account.value.FindMember("isReadOnly");
    if (flag == account.value.MemberEnd() || !flag->value.IsBool() || !flag->value.GetBool())
      std::abort();
  }
  return 0;
}
