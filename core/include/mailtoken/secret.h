// SecretBytes: bytes that must never be printed, logged or left in memory.
//
// The buffer is wiped with OPENSSL_cleanse when the object dies or is moved from. There is
// no operator<< and no implicit conversion to a string, so a secret cannot end up in a log
// line or an error message by accident; code that really needs the bytes (HMAC, encoding the
// token once for the user) calls view().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailtoken {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : bytes_(size) {}
  SecretBytes(const std::uint8_t* data, std::size_t size) : bytes_(data, data + size) {}
  ~SecretBytes();
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;

  std::span<const std::uint8_t> view() const { return bytes_; }
  std::uint8_t* data() { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Wipes and empties the buffer.
  void clear();

 private:
  std::vector<std::uint8_t> bytes_;
};

// A std::string that holds secret text (a full token, as printed once to the user).
// Same rules as SecretBytes.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string text) : text_(std::move(text)) {}
  ~SecretString();
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;

  std::string_view view() const { return text_; }

 private:
  std::string text_;
};

// Wipes memory in a way the compiler cannot optimise away.
void wipe(void* data, std::size_t size);

}  // namespace mailtoken
