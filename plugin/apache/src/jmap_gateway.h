/* C interface between the Apache adapter (mod_mailtoken.c) and the gateway logic in C++.
 *
 * The adapter includes httpd/APR headers and this header only; the logic behind it includes
 * no host header. Nothing throws across it: every function catches and reports failure
 * through its return value. Buffers returned through `char **out` are malloc'd; release them
 * with mtj_free.
 *
 *   struct mtj_signer *s = mtj_signer_open("/etc/cyrus/jwt/mailtoken.key", err, sizeof err);
 *   char auth[1024];
 *   mtj_backend_authorization(s, "alice", time(NULL), auth, sizeof auth);  // "Bearer <jwt>"
 *
 *   struct mtj_verdict *v = mtj_inspect(body, len, scopes, read_only);
 *   switch (mtj_verdict_action(v)) { ... }
 *   mtj_merge(v, backend_body, backend_len, &out, &out_len);   // for MTJ_FORWARD_REWRITTEN
 *   mtj_restrict_read_only_rights(out, out_len, &out2, &out2_len);  // read-only tokens, after
 *   mtj_verdict_free(v);
 */
#ifndef MAILTOKEN_JMAP_GATEWAY_H
#define MAILTOKEN_JMAP_GATEWAY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mtj_signer;

/* Reads the Cyrus HMAC key file. NULL with a message (path, never key bytes) in err. */
struct mtj_signer *mtj_signer_open(const char *key_path, char *err, size_t err_size);
void mtj_signer_close(struct mtj_signer *signer);
/* Writes "Bearer <jwt for user>" NUL-terminated into buf. 0, or -1 when it does not fit. */
int mtj_backend_authorization(const struct mtj_signer *signer, const char *user, long long now_unix,
                              char *buf, size_t buf_size);

void mtj_free(void *p);

/* Session resource filter (jmap_session_filter.h); max_request_size 0 keeps the backend's
 * maxSizeRequest. 0 with *out, or -1. */
int mtj_filter_session(const char *json, size_t len, unsigned scopes, int read_only,
                       unsigned long long max_request_size, char **out, size_t *out_len);

enum mtj_action { MTJ_FORWARD = 0, MTJ_FORWARD_REWRITTEN = 1, MTJ_REJECT = 2 };

struct mtj_verdict;
/* API request guard (jmap_request_guard.h). NULL only when out of memory. */
struct mtj_verdict *mtj_inspect(const char *body, size_t len, unsigned scopes, int read_only);
enum mtj_action mtj_verdict_action(const struct mtj_verdict *verdict);
/* MTJ_REJECT: HTTP status of the answer. */
int mtj_verdict_status(const struct mtj_verdict *verdict);
/* MTJ_REJECT: problem JSON; MTJ_FORWARD_REWRITTEN: the body to forward. Owned by verdict. */
const char *mtj_verdict_body(const struct mtj_verdict *verdict, size_t *len);
/* Merges the backend's answer with the errors answered locally. 0 with *out, or -1. */
int mtj_merge(const struct mtj_verdict *verdict, const char *json, size_t len, char **out,
              size_t *out_len);
void mtj_verdict_free(struct mtj_verdict *verdict);

/* API response filter for read-only tokens (jmap_response_filter.h): Mailbox/get myRights
 * keep only mayReadItems. 0 with *out, or -1 (the caller fails closed). */
int mtj_restrict_read_only_rights(const char *json, size_t len, char **out, size_t *out_len);

/* RFC 7807 problem JSON; malloc'd, NULL when out of memory. */
char *mtj_problem_json(const char *type, int status, const char *detail);

#ifdef __cplusplus
}
#endif

#endif
