/* mailtoken C facade: the only header host adapters (Dovecot, Apache) include.
 *
 * Nothing throws across it: every function catches and returns a result code. Strings in
 * results are copied into fixed buffers owned by the caller, never contain the token, and
 * are always NUL-terminated.
 *
 *   char err[256];
 *   struct mailtoken_verifier *v = mailtoken_verifier_open("/etc/mailtoken/mailtoken.conf",
 *                                                          err, sizeof(err));
 *   struct mailtoken_request req = { "alice", token, token_len, "imap", "192.0.2.1" };
 *   struct mailtoken_outcome out;
 *   switch (mailtoken_verify(v, &req, &out)) { ... }
 *   mailtoken_record_use(v, &req, &out);   // after the answer went to the client
 *   mailtoken_verifier_close(v);
 */
#ifndef MAILTOKEN_MAILTOKEN_H
#define MAILTOKEN_MAILTOKEN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mailtoken_result {
  MAILTOKEN_ALLOW = 0,    /* grant in the outcome */
  MAILTOKEN_MISMATCH = 1, /* plain authentication failure */
  MAILTOKEN_REFUSED = 2,  /* valid token, not allowed here: show client_reason */
  MAILTOKEN_TEMPFAIL = 3  /* database unavailable or internal error: retry later */
};

/* Scope bits, same values as the core's Scope enum. */
enum mailtoken_scope {
  MAILTOKEN_SCOPE_MAIL = 1 << 0,
  MAILTOKEN_SCOPE_SUBMISSION = 1 << 1,
  MAILTOKEN_SCOPE_CONTACTS = 1 << 2,
  MAILTOKEN_SCOPE_CALENDARS = 1 << 3,
  MAILTOKEN_SCOPE_SIEVE = 1 << 4
};

struct mailtoken_request {
  const char *user;      /* login name as the host normalised it; NUL-terminated. NULL or ""
                            for a bearer login where the token alone names its owner
                            (service "jmap"): any owner matches, reported in outcome.user */
  const char *token;     /* password / bearer text; not necessarily NUL-terminated */
  size_t token_len;
  const char *service;   /* "imap", "pop3", "submission", "sieve", "jmap", ... */
  const char *remote_ip; /* may be NULL */
};

struct mailtoken_outcome {
  enum mailtoken_result result;
  int read_only;          /* on ALLOW: 1 for a read-only token */
  unsigned scopes;        /* on ALLOW: mailtoken_scope bits */
  char token_id[64];      /* public selector, "" when the text did not parse */
  char user[256];         /* on ALLOW: the token's owner (the user to act as) */
  char client_reason[256];/* on REFUSED: text for the client */
  char log_reason[256];   /* always: text for the host log, no secrets */
  int expired;            /* on REFUSED: 1 when the token is past its expiry */
  /* private to the core */
  long long row_id_;
  int wants_record_use_;
};

struct mailtoken_verifier;

/* Reads the config file, loads the peppers, prepares the (lazily connected) store.
 * NULL on error, with a message (no secrets) in err. */
struct mailtoken_verifier *mailtoken_verifier_open(const char *config_path, char *err, size_t err_size);
void mailtoken_verifier_close(struct mailtoken_verifier *verifier);

enum mailtoken_result mailtoken_verify(struct mailtoken_verifier *verifier,
                                       const struct mailtoken_request *request,
                                       struct mailtoken_outcome *outcome);

/* Records last-used time, IP and protocol when the outcome asks for it (at most once per
 * last_used_interval per token). Best effort: returns 0 on success or nothing to do, -1 on
 * failure with a message in err. */
int mailtoken_record_use(struct mailtoken_verifier *verifier, const struct mailtoken_request *request,
                         const struct mailtoken_outcome *outcome, char *err, size_t err_size);

/* "read-only" / "read-write". */
const char *mailtoken_access_name(int read_only);
/* Writes the canonical comma list ("mail,sieve") of scope bits into buf. */
void mailtoken_scope_names(unsigned scopes, char *buf, size_t buf_size);

#ifdef __cplusplus
}
#endif

#endif
