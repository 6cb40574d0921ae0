// Peppers: the server-side keys of the token hash, and the hash itself.
//
// A token's secret has 256 bits of entropy, so a fast keyed hash is right (NIST SP 800-63B
// 5.1.2.2): the database holds HMAC-SHA-256(pepper, secret) and the pepper's key id, and a
// stolen database without the pepper file is useless. The key id is derived from the pepper
// itself (first 8 hex digits of SHA-256("mailtoken-key-id" || pepper)), so it cannot be
// misconfigured, and several peppers can be loaded at once to rotate: new tokens use the
// current one, old tokens verify with the pepper their row names.
//
//   auto ring = PepperRing::load("/etc/mailtoken/pepper", {"/etc/mailtoken/pepper.old"});
//   TokenHash h = ring->current().hash(secret);
//   bool match = ring->find(row.key_id)->verify(secret, row.hash);
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mailtoken/result.h"
#include "mailtoken/secret.h"

namespace mailtoken {

inline constexpr std::size_t kMinPepperBytes = 32;

class Pepper {
 public:
  // Reads a pepper file: at least kMinPepperBytes bytes, used as they are (binary). Refuses a
  // file that is readable or writable by "other" (the pepper must be private to root and the
  // auth user). Messages name the path, never the content.
  static Result<Pepper> load_file(const std::string& path);
  static Pepper from_bytes(SecretBytes key);

  const std::string& key_id() const { return key_id_; }

  // Lowercase hex of HMAC-SHA-256(pepper, secret): 64 characters.
  std::string hash(const SecretBytes& secret) const;
  // Constant-time comparison of hash(secret) with a stored hex hash.
  bool verify(const SecretBytes& secret, std::string_view stored_hash_hex) const;

 private:
  // The key bytes (wiped on destruction) and a keyed HMAC state built once, so each hash
  // copies that state instead of re-deriving it from the key (defined in pepper.cpp).
  struct KeyState;
  explicit Pepper(std::shared_ptr<const KeyState> key, std::string key_id)
      : key_(std::move(key)), key_id_(std::move(key_id)) {}
  std::shared_ptr<const KeyState> key_;
  std::string key_id_;
};

class PepperRing {
 public:
  static Result<PepperRing> load(const std::string& current_path,
                                 const std::vector<std::string>& retired_paths);
  explicit PepperRing(Pepper current) : peppers_{std::move(current)} {}
  void add_retired(Pepper retired) { peppers_.push_back(std::move(retired)); }

  const Pepper& current() const { return peppers_.front(); }
  // nullptr when no loaded pepper has this key id.
  const Pepper* find(std::string_view key_id) const;

 private:
  std::vector<Pepper> peppers_;
};

// Writes a new pepper file of 32 random bytes with mode 0640, refusing to overwrite.
Status create_pepper_file(const std::string& path);

}  // namespace mailtoken
