// Fuzzes parse_token, the first thing every login's password goes through. A successful
// parse must round-trip: encoding the parsed parts gives back exactly the input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mailtoken/token_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = mailtoken::parse_token(text, "mt1");
  if (parsed) {
    const auto again = mailtoken::encode_token("mt1", parsed->selector, parsed->secret);
    if (again.view() != text) std::abort();
  }
  return 0;
}
