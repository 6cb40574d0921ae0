// Wiping containers for secrets. Moves hand the heap buffer over (no copy is left behind);
// assignments wipe what they overwrite.
#include "mailtoken/secret.h"

#include <openssl/crypto.h>

#include <string>
#include <utility>

namespace mailtoken {

void wipe(void* data, std::size_t size) {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

SecretBytes::~SecretBytes() { clear(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.clear();  // a moved-from vector is empty in practice; wipe in case it is not
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    clear();
    bytes_ = std::move(other.bytes_);
    other.clear();
  }
  return *this;
}

void SecretBytes::clear() {
  wipe(bytes_.data(), bytes_.size());
  bytes_.clear();
}

namespace {

// std::string keeps short text inline, and swapping inline text copies it, leaving bytes
// behind past size(); growing to the capacity (never reallocates) makes the whole buffer
// part of the string, so all of it is wiped.
void wipe_string(std::string& text) {
  text.resize(text.capacity());
  wipe(text.data(), text.size());
  text.clear();
}

}  // namespace

SecretString::~SecretString() { wipe_string(text_); }

SecretString::SecretString(SecretString&& other) noexcept {
  text_.swap(other.text_);
  wipe_string(other.text_);
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe_string(text_);
    text_.swap(other.text_);
    wipe_string(other.text_);
  }
  return *this;
}

}  // namespace mailtoken
