// Pepper files, key ids and the token hash (HMAC-SHA-256).
//
// The hash is on the verify path of every login, so each pepper prepares its HMAC state once
// (see Pepper::KeyState and benchmarks/verify_benchmark.cpp).
#include "mailtoken/pepper.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace mailtoken {
namespace {

constexpr std::size_t kDigestBytes = 32;  // SHA-256
// A pepper is a key, not a document: anything this large is the wrong file.
constexpr std::size_t kMaxPepperBytes = 4096;
constexpr char kKeyIdLabel[] = "mailtoken-key-id";
constexpr char kHexDigits[] = "0123456789abcdef";

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  std::string out(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kHexDigits[data[i] >> 4];
    out[2 * i + 1] = kHexDigits[data[i] & 0x0f];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t size) {
  if (hex.size() != size * 2) return false;
  for (std::size_t i = 0; i < size; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return true;
}

// Fetched once per process: fetching is a large part of an OpenSSL 3 one-shot digest or HMAC.
const EVP_MD* sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }  // frees with cleansing
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string derive_key_id(const SecretBytes& key) {
  std::uint8_t digest[kDigestBytes];
  unsigned int digest_len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, kKeyIdLabel, sizeof kKeyIdLabel - 1) == 1 &&
                  EVP_DigestUpdate(ctx, key.view().data(), key.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest, &digest_len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  return to_hex(digest, 4);
}

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

// HMAC (RFC 2104) spelled out over SHA-256 so that the two key-dependent blocks, K^ipad and
// K^opad, are hashed once per pepper: each hash then copies those two prepared digest states
// and runs one compression for each. Measured on the build host: about 0.3-0.5 us per hash,
// against about 1 us for EVP_MAC_CTX_dup of a keyed HMAC context (many more allocations) and
// 2.5 us for the one-shot HMAC() (BM_OneShotHmacForComparison in verify_benchmark.cpp).
struct Pepper::KeyState {
  static constexpr std::size_t kBlockBytes = 64;  // SHA-256 block

  SecretBytes key;
  MdCtx inner;  // SHA-256 state after absorbing K ^ ipad
  MdCtx outer;  // SHA-256 state after absorbing K ^ opad

  explicit KeyState(SecretBytes k) : key(std::move(k)) {
    const EVP_MD* md = sha256();
    if (md == nullptr) return;
    // Keys longer than a block are hashed first (RFC 2104 section 2).
    SecretBytes block(kBlockBytes);
    if (key.size() > kBlockBytes) {
      unsigned int len = 0;
      if (EVP_Digest(key.view().data(), key.size(), block.data(), &len, md, nullptr) != 1) return;
    } else {
      std::memcpy(block.data(), key.view().data(), key.size());
    }
    SecretBytes pad(kBlockBytes);
    MdCtx in(EVP_MD_CTX_new());
    MdCtx out(EVP_MD_CTX_new());
    if (!in || !out) return;
    for (std::size_t i = 0; i < kBlockBytes; ++i) pad.data()[i] = block.view()[i] ^ 0x36;
    if (EVP_DigestInit_ex(in.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(in.get(), pad.data(), kBlockBytes) != 1) {
      return;
    }
    for (std::size_t i = 0; i < kBlockBytes; ++i) pad.data()[i] = block.view()[i] ^ 0x5c;
    if (EVP_DigestInit_ex(out.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(out.get(), pad.data(), kBlockBytes) != 1) {
      return;
    }
    inner = std::move(in);
    outer = std::move(out);
  }

  // HMAC-SHA-256(key, data) into out; false only if OpenSSL fails (never a wrong answer).
  bool mac(std::span<const std::uint8_t> data, std::uint8_t (&out)[kDigestBytes]) const {
    if (!inner || !outer) return false;
    MdCtx work(EVP_MD_CTX_new());
    std::uint8_t inner_digest[kDigestBytes];
    unsigned int len = 0;
    const bool ok = work && EVP_MD_CTX_copy_ex(work.get(), inner.get()) == 1 &&
                    EVP_DigestUpdate(work.get(), data.data(), data.size()) == 1 &&
                    EVP_DigestFinal_ex(work.get(), inner_digest, &len) == 1 &&
                    len == kDigestBytes && EVP_MD_CTX_copy_ex(work.get(), outer.get()) == 1 &&
                    EVP_DigestUpdate(work.get(), inner_digest, sizeof inner_digest) == 1 &&
                    EVP_DigestFinal_ex(work.get(), out, &len) == 1 && len == kDigestBytes;
    wipe(inner_digest, sizeof inner_digest);
    return ok;
  }
};

Pepper Pepper::from_bytes(SecretBytes key) {
  std::string key_id = derive_key_id(key);
  return Pepper(std::make_shared<const KeyState>(std::move(key)), std::move(key_id));
}

Result<Pepper> Pepper::load_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot open pepper file " + path + ": " + errno_text(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  // fstat on the open descriptor: the checked file is the file that is read.
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot stat pepper file " + path + ": " + errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "pepper file " + path + " is not a regular file");
  }
  if ((st.st_mode & S_IRWXO) != 0) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "pepper file " + path +
                          " is accessible by other users; chmod 0640 it (owner root, group of the "
                          "auth user)");
  }

  SecretBytes buffer(kMaxPepperBytes + 1);
  std::size_t used = 0;
  while (used < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kInvalidArgument,
                        "cannot read pepper file " + path + ": " + errno_text(errno));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used < kMinPepperBytes) {
    return make_error(ErrorCode::kInvalidArgument, "pepper file " + path +
                                                       " is too short: it needs at least " +
                                                       std::to_string(kMinPepperBytes) + " bytes");
  }
  if (used > kMaxPepperBytes) {
    return make_error(ErrorCode::kInvalidArgument, "pepper file " + path +
                                                       " is too large: at most " +
                                                       std::to_string(kMaxPepperBytes) + " bytes");
  }
  Pepper pepper = from_bytes(SecretBytes(buffer.view().data(), used));
  if (pepper.key_id().empty()) {
    return make_error(ErrorCode::kInternal, "cannot derive the key id of pepper file " + path);
  }
  return pepper;
}

std::string Pepper::hash(const SecretBytes& secret) const {
  std::uint8_t digest[kDigestBytes];
  if (!key_->mac(secret.view(), digest)) return {};
  std::string hex = to_hex(digest, sizeof digest);
  wipe(digest, sizeof digest);
  return hex;
}

bool Pepper::verify(const SecretBytes& secret, std::string_view stored_hash_hex) const {
  std::uint8_t stored[kDigestBytes];
  if (!from_hex(stored_hash_hex, stored, sizeof stored)) return false;
  std::uint8_t computed[kDigestBytes];
  if (!key_->mac(secret.view(), computed)) return false;
  const bool match = CRYPTO_memcmp(stored, computed, kDigestBytes) == 0;
  wipe(computed, sizeof computed);
  return match;
}

Result<PepperRing> PepperRing::load(const std::string& current_path,
                                    const std::vector<std::string>& retired_paths) {
  auto current = Pepper::load_file(current_path);
  if (!current) return current.error();
  PepperRing ring(std::move(*current));
  std::vector<const std::string*> paths{&current_path};
  for (const auto& path : retired_paths) {
    auto retired = Pepper::load_file(path);
    if (!retired) return retired.error();
    // Two files with one key id are the same key: almost certainly a rotation mistake.
    for (std::size_t i = 0; i < ring.peppers_.size(); ++i) {
      if (ring.peppers_[i].key_id() == retired->key_id()) {
        return make_error(ErrorCode::kInvalidArgument,
                          "pepper file " + path + " holds the same key as " + *paths[i]);
      }
    }
    ring.add_retired(std::move(*retired));
    paths.push_back(&path);
  }
  return ring;
}

const Pepper* PepperRing::find(std::string_view key_id) const {
  for (const auto& pepper : peppers_) {
    if (pepper.key_id() == key_id) return &pepper;
  }
  return nullptr;
}

Status create_pepper_file(const std::string& path) {
  SecretBytes key(kMinPepperBytes);
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return make_error(ErrorCode::kInternal, "the system random number generator failed");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return make_error(ErrorCode::kAlreadyExists,
                        "pepper file " + path + " already exists; refusing to overwrite it");
    }
    return make_error(ErrorCode::kUnavailable,
                      "cannot create pepper file " + path + ": " + errno_text(err));
  }
  // The umask may only have removed bits; set the mode exactly.
  int err = 0;
  if (::fchmod(fd, 0640) != 0) err = errno;
  std::size_t written = 0;
  while (err == 0 && written < key.size()) {
    const ssize_t n = ::write(fd, key.view().data() + written, key.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(path.c_str());  // a short pepper must not be mistaken for a good one later
    return make_error(ErrorCode::kUnavailable,
                      "cannot write pepper file " + path + ": " + errno_text(err));
  }
  return ok_status();
}

}  // namespace mailtoken
