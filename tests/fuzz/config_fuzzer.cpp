// Fuzzes the config parser (the file is admin input, but a crash at start is still a bug).
#include <cstdint>
#include <string_view>

#include "mailtoken/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = mailtoken::parse_config(text);
  (void)config.ok();
  (void)mailtoken::redact_dsn(text);
  return 0;
}
