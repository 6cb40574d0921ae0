/* mod_mailtoken: Apache httpd 2.4 adapter of the mailtoken JMAP gateway.
 *
 * Hooks (HOSTS.md):
 *   check_authn      AuthType Bearer: verify the token through the core (service "jmap")
 *   fixups           swap the client's credentials for a short-lived JWT to Cyrus, refuse
 *                    read-only uploads, read and inspect API bodies (bounded) and re-inject
 *                    them through the MAILTOKEN_BODY input filter for mod_proxy_http
 *   handler          (first) answers requests refused in fixups with problem JSON
 *   MAILTOKEN_REWRITE output filter: filters the session resource / merges API responses and
 *                    restricts read-only tokens' Mailbox/get myRights
 *   insert_error_filter + MAILTOKEN_PROBLEM: auth-phase refusals (401/403/503) as problem JSON
 *   log_transaction  records last use after the response went out
 *
 * Only host glue lives here; the logic is in C++ behind jmap_gateway.h and the core's
 * mailtoken.h. No secret is ever logged: tokens are named by their public id.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "apr_strings.h"
#include "ap_config.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "util_filter.h"

#include "mailtoken/mailtoken.h"
#include "jmap_gateway.h"

#define MT_DEFAULT_MAX_BODY ((apr_off_t)10 * 1024 * 1024)
#define MT_MAX_RESPONSE ((apr_size_t)64 * 1024 * 1024)
#define MT_RETRY_AFTER "5"
#define MT_TEMPFAIL_DETAIL "Tokens cannot be checked right now; retry later."

module AP_MODULE_DECLARE_DATA mailtoken_module;

/* Per process: set at start (config test, key) and per child (verifier). */
static const char *g_config_path = NULL;
static const char *g_key_path = NULL;
static struct mtj_signer *g_signer = NULL;
static struct mailtoken_verifier *g_verifier = NULL;

typedef struct {
  const char *realm;
  apr_off_t max_body; /* -1: unset (inherit) */
  const char *prefix; /* JMAP URL prefix on the backend, "/jmap" */
} mt_dir_conf;

/* MT_REWRITE_API: merge (MTJ_FORWARD_REWRITTEN) and/or read-only rights (read-only token). */
enum mt_rewrite_kind { MT_REWRITE_SESSION, MT_REWRITE_API };

/* r->notes key: the status whose error response check_authn gave a problem JSON body. */
#define MT_PROBLEM_NOTE "mailtoken-problem-status"

typedef struct {
  int allowed;
  struct mailtoken_outcome outcome;
  /* refusal decided in fixups, answered by mt_handler */
  int reject_status;
  const char *reject_body;
  apr_size_t reject_len;
  /* body re-injected towards the backend */
  const char *body;
  apr_size_t body_len;
  apr_size_t body_sent;
  struct mtj_verdict *verdict;
} mt_request_state;

typedef struct {
  enum mt_rewrite_kind kind;
  mt_request_state *state;
  apr_off_t max_body; /* advertised as the session's maxSizeRequest when smaller */
  apr_bucket_brigade *held;
  apr_size_t held_len;
  int done; /* the replacement went out: drop anything the backend still sends */
} mt_rewrite_ctx;

/* ---------- configuration ---------- */

static void *mt_create_dir_conf(apr_pool_t *p, char *dir) {
  mt_dir_conf *c = apr_pcalloc(p, sizeof(*c));
  (void)dir;
  c->max_body = -1;
  return c;
}

static void *mt_merge_dir_conf(apr_pool_t *p, void *base_v, void *add_v) {
  mt_dir_conf *base = base_v, *add = add_v, *c = apr_pcalloc(p, sizeof(*c));
  c->realm = add->realm ? add->realm : base->realm;
  c->max_body = add->max_body >= 0 ? add->max_body : base->max_body;
  c->prefix = add->prefix ? add->prefix : base->prefix;
  return c;
}

static const char *mt_realm(const mt_dir_conf *c) { return c->realm ? c->realm : "jmap"; }
static const char *mt_prefix(const mt_dir_conf *c) { return c->prefix ? c->prefix : "/jmap"; }
static apr_off_t mt_max_body(const mt_dir_conf *c) {
  return c->max_body >= 0 ? c->max_body : MT_DEFAULT_MAX_BODY;
}

static const char *mt_set_config(cmd_parms *cmd, void *d, const char *arg) {
  (void)d;
  const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
  if (err) return err;
  g_config_path = ap_server_root_relative(cmd->pool, arg);
  return NULL;
}

static const char *mt_set_key_file(cmd_parms *cmd, void *d, const char *arg) {
  (void)d;
  const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
  if (err) return err;
  g_key_path = ap_server_root_relative(cmd->pool, arg);
  return NULL;
}

static const char *mt_set_max_body(cmd_parms *cmd, void *d, const char *arg) {
  mt_dir_conf *c = d;
  char *end = NULL;
  apr_off_t n = 0;
  (void)cmd;
  if (apr_strtoff(&n, arg, &end, 10) != APR_SUCCESS || *end != '\0' || n <= 0) {
    return "MailtokenMaxRequestBody must be a positive number of bytes";
  }
  c->max_body = n;
  return NULL;
}

static const char *mt_set_prefix(cmd_parms *cmd, void *d, const char *arg) {
  mt_dir_conf *c = d;
  (void)cmd;
  if (arg[0] != '/') return "MailtokenJmapPrefix must start with '/'";
  c->prefix = apr_pstrdup(cmd->pool, arg);
  /* no trailing slash, so prefix + "/upload/" is well-formed */
  {
    char *s = (char *)c->prefix;
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/') s[--n] = '\0';
  }
  return NULL;
}

static const command_rec mt_commands[] = {
    AP_INIT_TAKE1("MailtokenConfig", mt_set_config, NULL, RSRC_CONF,
                  "path of the mailtoken configuration file (/etc/mailtoken/mailtoken.conf)"),
    AP_INIT_TAKE1("MailtokenBackendKeyFile", mt_set_key_file, NULL, RSRC_CONF,
                  "HMAC key file shared with Cyrus's http_jwt_key_dir (BEGIN HMAC KEY block)"),
    AP_INIT_TAKE1("MailtokenRealm", ap_set_string_slot,
                  (void *)APR_OFFSETOF(mt_dir_conf, realm), OR_AUTHCFG,
                  "realm of the WWW-Authenticate: Bearer challenge (default jmap)"),
    AP_INIT_TAKE1("MailtokenMaxRequestBody", mt_set_max_body, NULL, OR_AUTHCFG,
                  "largest JMAP API request body in bytes (default 10485760); larger gets 413"),
    AP_INIT_TAKE1("MailtokenJmapPrefix", mt_set_prefix, NULL, OR_AUTHCFG,
                  "URL prefix of the JMAP resources (default /jmap: /jmap/upload/, ...)"),
    {NULL}};

/* ---------- helpers ---------- */

static mt_request_state *mt_state(request_rec *r) {
  return ap_get_module_config(r->request_config, &mailtoken_module);
}

static int mt_starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Auth-phase refusals are answered by ap_die's error response; a literal custom response
 * (not an ErrorDocument URL) replaces Apache's HTML there, and MAILTOKEN_PROBLEM, inserted
 * through insert_error_filter for this status only, gives it the problem JSON media type.
 * The detail never contains token text. */
static int mt_auth_problem(request_rec *r, int status, const char *detail) {
  char *json = mtj_problem_json("about:blank", status, detail);
  if (json == NULL) return status; /* out of memory: Apache's default body */
  ap_custom_response(r, status, json); /* copies; a '{' is never read as a URL */
  mtj_free(json);
  apr_table_setn(r->notes, MT_PROBLEM_NOTE, apr_itoa(r->pool, status));
  return status;
}

static int mt_challenge(request_rec *r, const mt_dir_conf *dc, const char *error) {
  /* RFC 6750 3.1: no error code when the request carried no bearer credentials. */
  const char *value = error ? apr_psprintf(r->pool, "Bearer realm=\"%s\", error=\"%s\"", mt_realm(dc), error)
                            : apr_psprintf(r->pool, "Bearer realm=\"%s\"", mt_realm(dc));
  apr_table_setn(r->err_headers_out, "WWW-Authenticate", value);
  return mt_auth_problem(r, HTTP_UNAUTHORIZED,
                         error ? "The bearer token is invalid, expired or revoked."
                               : "This resource needs an Authorization: Bearer token.");
}

static void mt_reject(request_rec *r, mt_request_state *st, int status, const char *type,
                      const char *detail) {
  char *json = mtj_problem_json(type, status, detail);
  st->reject_status = status;
  if (json) {
    st->reject_body = apr_pstrdup(r->pool, json);
    mtj_free(json);
  } else {
    st->reject_body = "{}";
  }
  st->reject_len = strlen(st->reject_body);
}

static apr_status_t mt_free_verdict(void *data) {
  mt_request_state *st = data;
  if (st->verdict) mtj_verdict_free(st->verdict);
  st->verdict = NULL;
  return APR_SUCCESS;
}

/* ---------- authentication ---------- */

static int mt_check_authn(request_rec *r) {
  const char *type = ap_auth_type(r);
  mt_dir_conf *dc;
  const char *header, *token, *end;
  struct mailtoken_request req;
  mt_request_state *st;
  enum mailtoken_result result;

  if (type == NULL || strcasecmp(type, "Bearer") != 0) return DECLINED;
  dc = ap_get_module_config(r->per_dir_config, &mailtoken_module);

  header = apr_table_get(r->headers_in, "Authorization");
  if (header == NULL) return mt_challenge(r, dc, NULL);
  while (*header == ' ' || *header == '\t') ++header;
  if (strncasecmp(header, "Bearer", 6) != 0 || (header[6] != ' ' && header[6] != '\t')) {
    return mt_challenge(r, dc, NULL); /* another scheme: no bearer credentials */
  }
  token = header + 6;
  while (*token == ' ' || *token == '\t') ++token;
  end = token + strlen(token);
  while (end > token && (end[-1] == ' ' || end[-1] == '\t')) --end;
  if (end == token) return mt_challenge(r, dc, "invalid_token");

  if (g_verifier == NULL) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "mailtoken: no verifier (MailtokenConfig missing or failed to open)");
    apr_table_setn(r->err_headers_out, "Retry-After", MT_RETRY_AFTER);
    return mt_auth_problem(r, HTTP_SERVICE_UNAVAILABLE, MT_TEMPFAIL_DETAIL);
  }

  st = apr_pcalloc(r->pool, sizeof(*st));
  memset(&req, 0, sizeof(req));
  req.user = "";
  req.token = token;
  req.token_len = (size_t)(end - token);
  req.service = "jmap";
  req.remote_ip = r->useragent_ip;
  result = mailtoken_verify(g_verifier, &req, &st->outcome);
  st->outcome.token_id[sizeof(st->outcome.token_id) - 1] = '\0';
  st->outcome.user[sizeof(st->outcome.user) - 1] = '\0';
  st->outcome.log_reason[sizeof(st->outcome.log_reason) - 1] = '\0';
  st->outcome.client_reason[sizeof(st->outcome.client_reason) - 1] = '\0';

  switch (result) {
    case MAILTOKEN_ALLOW:
      if (st->outcome.user[0] == '\0') {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mailtoken: token %s allowed without an owner; refusing",
                      st->outcome.token_id);
        return HTTP_INTERNAL_SERVER_ERROR;
      }
      st->allowed = 1;
      r->user = apr_pstrdup(r->pool, st->outcome.user);
      r->ap_auth_type = "Bearer";
      apr_table_setn(r->subprocess_env, "MAILTOKEN_TOKEN_ID",
                     apr_pstrdup(r->pool, st->outcome.token_id));
      ap_set_module_config(r->request_config, &mailtoken_module, st);
      ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "mailtoken: token %s allowed for %s (%s)",
                    st->outcome.token_id, r->user, mailtoken_access_name(st->outcome.read_only));
      return OK;
    case MAILTOKEN_REFUSED:
      ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "mailtoken: token %s refused: %s",
                    st->outcome.token_id, st->outcome.log_reason);
      /* RFC 6750 3.1: an expired token is invalid_token (401); a valid token that its
         plan or scopes keep out is 403. */
      if (st->outcome.expired) return mt_challenge(r, dc, "invalid_token");
      return mt_auth_problem(r, HTTP_FORBIDDEN,
                             st->outcome.client_reason[0] ? st->outcome.client_reason
                                                          : "This token may not be used here.");
    case MAILTOKEN_TEMPFAIL:
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mailtoken: temporary failure for token %s: %s",
                    st->outcome.token_id, st->outcome.log_reason);
      apr_table_setn(r->err_headers_out, "Retry-After", MT_RETRY_AFTER);
      return mt_auth_problem(r, HTTP_SERVICE_UNAVAILABLE, MT_TEMPFAIL_DETAIL);
    case MAILTOKEN_MISMATCH:
    default:
      ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "mailtoken: token %s rejected: %s",
                    st->outcome.token_id[0] ? st->outcome.token_id : "(unparsed)",
                    st->outcome.log_reason);
      return mt_challenge(r, dc, "invalid_token");
  }
}

/* ---------- request body ---------- */

/* Reads the whole request body into the pool, refusing more than limit bytes. */
static int mt_read_body(request_rec *r, apr_off_t limit, const char **data, apr_size_t *len) {
  const char *cl = apr_table_get(r->headers_in, "Content-Length");
  apr_bucket_brigade *in, *kept;
  apr_off_t total = 0;
  int seen_eos = 0;
  char *flat = NULL;
  apr_size_t flat_len = 0;

  if (cl) {
    char *end = NULL;
    apr_off_t n = 0;
    if (apr_strtoff(&n, cl, &end, 10) != APR_SUCCESS || *end != '\0' || n < 0) return HTTP_BAD_REQUEST;
    if (n > limit) return HTTP_REQUEST_ENTITY_TOO_LARGE;
  }
  in = apr_brigade_create(r->pool, r->connection->bucket_alloc);
  kept = apr_brigade_create(r->pool, r->connection->bucket_alloc);
  while (!seen_eos) {
    apr_bucket *b;
    apr_status_t rv = ap_get_brigade(r->input_filters, in, AP_MODE_READBYTES, APR_BLOCK_READ,
                                     HUGE_STRING_LEN);
    if (rv != APR_SUCCESS) return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
    while (!APR_BRIGADE_EMPTY(in)) {
      const char *d;
      apr_size_t n;
      b = APR_BRIGADE_FIRST(in);
      if (APR_BUCKET_IS_EOS(b)) {
        seen_eos = 1;
        apr_bucket_delete(b);
        continue;
      }
      if (APR_BUCKET_IS_METADATA(b)) {
        apr_bucket_delete(b);
        continue;
      }
      rv = apr_bucket_read(b, &d, &n, APR_BLOCK_READ);
      if (rv != APR_SUCCESS) return HTTP_BAD_REQUEST;
      total += (apr_off_t)n;
      if (total > limit) return HTTP_REQUEST_ENTITY_TOO_LARGE;
      APR_BUCKET_REMOVE(b);
      if (apr_bucket_setaside(b, r->pool) != APR_SUCCESS) {
        apr_bucket_destroy(b);
        return HTTP_INTERNAL_SERVER_ERROR;
      }
      APR_BRIGADE_INSERT_TAIL(kept, b);
    }
  }
  if (apr_brigade_pflatten(kept, &flat, &flat_len, r->pool) != APR_SUCCESS) {
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  apr_brigade_destroy(kept);
  *data = flat ? flat : "";
  *len = flat_len;
  return OK;
}

/* Hands the inspected (possibly rewritten) body to mod_proxy_http in place of the client's. */
static apr_status_t mt_body_in_filter(ap_filter_t *f, apr_bucket_brigade *bb, ap_input_mode_t mode,
                                      apr_read_type_e block, apr_off_t readbytes) {
  mt_request_state *st = f->ctx;
  apr_size_t remaining = st->body_len - st->body_sent;
  apr_size_t n = remaining;
  (void)block;
  if (mode != AP_MODE_READBYTES && mode != AP_MODE_SPECULATIVE && mode != AP_MODE_EXHAUSTIVE) {
    return APR_ENOTIMPL;
  }
  if (mode != AP_MODE_EXHAUSTIVE && readbytes > 0 && (apr_off_t)n > readbytes) n = (apr_size_t)readbytes;
  if (n > 0) {
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_immortal_create(st->body + st->body_sent, n, bb->bucket_alloc));
  }
  if (mode != AP_MODE_SPECULATIVE) {
    st->body_sent += n;
    if (st->body_sent == st->body_len) {
      APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    }
  }
  return APR_SUCCESS;
}

static void mt_reinject_body(request_rec *r, mt_request_state *st, const char *data, apr_size_t len) {
  st->body = data;
  st->body_len = len;
  st->body_sent = 0;
  apr_table_unset(r->headers_in, "Transfer-Encoding");
  apr_table_unset(r->headers_in, "Expect"); /* already answered: the body is here */
  apr_table_setn(r->headers_in, "Content-Length", apr_off_t_toa(r->pool, (apr_off_t)len));
  ap_add_input_filter("MAILTOKEN_BODY", st, r, r->connection);
}

static void mt_add_rewrite_filter(request_rec *r, mt_request_state *st, enum mt_rewrite_kind kind) {
  mt_dir_conf *dc = ap_get_module_config(r->per_dir_config, &mailtoken_module);
  mt_rewrite_ctx *ctx = apr_pcalloc(r->pool, sizeof(*ctx));
  ctx->kind = kind;
  ctx->state = st;
  ctx->max_body = mt_max_body(dc);
  ap_add_output_filter("MAILTOKEN_REWRITE", ctx, r, r->connection);
}

static int mt_handle_api_request(request_rec *r, mt_request_state *st, const mt_dir_conf *dc) {
  const char *body = NULL, *out;
  apr_size_t len = 0, out_len = 0;
  int status = mt_read_body(r, mt_max_body(dc), &body, &len);
  if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
    mt_reject(r, st, status, "urn:ietf:params:jmap:error:limit",
              "The request body is larger than this server accepts.");
    r->connection->keepalive = AP_CONN_CLOSE; /* do not read the rest of the body */
    return OK;
  }
  if (status != OK) return status;

  st->verdict = mtj_inspect(body, len, st->outcome.scopes, st->outcome.read_only);
  if (st->verdict == NULL) return HTTP_INTERNAL_SERVER_ERROR;
  apr_pool_cleanup_register(r->pool, st, mt_free_verdict, apr_pool_cleanup_null);
  switch (mtj_verdict_action(st->verdict)) {
    case MTJ_FORWARD:
      /* The inspected document serialised again, never the client's bytes: Cyrus's parser
       * must not get a chance to read something other than what the guard checked. */
      out = mtj_verdict_body(st->verdict, &out_len);
      mt_reinject_body(r, st, out, out_len);
      /* Read-only tokens: Cyrus's myRights would promise writes the gateway refuses. */
      if (st->outcome.read_only) mt_add_rewrite_filter(r, st, MT_REWRITE_API);
      return OK;
    case MTJ_FORWARD_REWRITTEN:
      out = mtj_verdict_body(st->verdict, &out_len);
      mt_reinject_body(r, st, out, out_len);
      mt_add_rewrite_filter(r, st, MT_REWRITE_API);
      return OK;
    case MTJ_REJECT:
    default:
      out = mtj_verdict_body(st->verdict, &out_len);
      st->reject_status = mtj_verdict_status(st->verdict);
      st->reject_body = out;
      st->reject_len = out_len;
      return OK;
  }
}

/* ---------- fixups: backend credentials and request inspection ---------- */

static int mt_has_mail_scope(const mt_request_state *st) {
  return (st->outcome.scopes & MAILTOKEN_SCOPE_MAIL) != 0;
}

static void mt_refuse_without_mail_scope(request_rec *r, mt_request_state *st, const char *what) {
  mt_reject(r, st, HTTP_FORBIDDEN, "about:blank",
            apr_psprintf(r->pool, "This token has no mail scope: %s are refused.", what));
}

static int mt_fixups(request_rec *r) {
  mt_request_state *st = mt_state(r);
  mt_dir_conf *dc;
  char authorization[2048];
  const char *prefix, *upload, *download, *events;

  if (st == NULL || !st->allowed) return DECLINED;
  dc = ap_get_module_config(r->per_dir_config, &mailtoken_module);

  /* The backend must see only the gateway's word for who this is. */
  apr_table_unset(r->headers_in, "Authorization");
  apr_table_unset(r->headers_in, "Authorize-As");
  apr_table_unset(r->headers_in, "Accept-Encoding"); /* session/API JSON arrives uncompressed */
  if (g_signer == NULL ||
      mtj_backend_authorization(g_signer, st->outcome.user, (long long)time(NULL), authorization,
                                sizeof(authorization)) != 0) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mailtoken: cannot sign the backend JWT for %s%s",
                  st->outcome.user, g_signer ? "" : " (MailtokenBackendKeyFile not loaded)");
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  apr_table_set(r->headers_in, "Authorization", authorization);

  prefix = mt_prefix(dc);
  upload = apr_pstrcat(r->pool, prefix, "/upload/", NULL);
  download = apr_pstrcat(r->pool, prefix, "/download/", NULL);
  events = apr_pstrcat(r->pool, prefix, "/eventsource", NULL);

  switch (r->method_number) {
    case M_GET:
      /* Blobs are mail data: downloads need the mail scope (README, scopes). The event
       * source needs only a valid token, which every token with a scope is. */
      if (mt_starts_with(r->uri, download)) {
        if (!mt_has_mail_scope(st)) mt_refuse_without_mail_scope(r, st, "downloads");
        return OK;
      }
      /* Any other JSON GET is treated as the session resource, so no path variant can reveal
       * an unfiltered session. */
      if (!mt_starts_with(r->uri, events)) {
        mt_add_rewrite_filter(r, st, MT_REWRITE_SESSION);
      }
      return OK;
    case M_OPTIONS:
      return OK;
    case M_POST:
      if (mt_starts_with(r->uri, upload)) {
        if (!mt_has_mail_scope(st)) {
          mt_refuse_without_mail_scope(r, st, "uploads");
          r->connection->keepalive = AP_CONN_CLOSE; /* do not read the rest of the body */
        } else if (st->outcome.read_only) {
          mt_reject(r, st, HTTP_FORBIDDEN, "about:blank", "This token is read-only: uploads are refused.");
          r->connection->keepalive = AP_CONN_CLOSE;
        }
        return OK;
      }
      /* Every other POST is inspected as an API request: no path variant skips the guard. */
      return mt_handle_api_request(r, st, dc);
    default:
      mt_reject(r, st, HTTP_METHOD_NOT_ALLOWED, "about:blank",
                "Only GET, POST and OPTIONS are available with a token.");
      apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD, POST, OPTIONS");
      return OK;
  }
}

/* ---------- handler: answers refusals decided in fixups ---------- */

static int mt_handler(request_rec *r) {
  mt_request_state *st = mt_state(r);
  if (st == NULL || st->reject_status == 0) return DECLINED;
  r->status = st->reject_status;
  ap_set_content_type(r, "application/problem+json");
  ap_set_content_length(r, (apr_off_t)st->reject_len);
  if (!r->header_only) ap_rwrite(st->reject_body, (int)st->reject_len, r);
  return OK;
}

/* ---------- output filter: session resource and API response rewriting ---------- */

static apr_status_t mt_send_replacement(ap_filter_t *f, const char *body, apr_size_t len,
                                        const char *content_type) {
  request_rec *r = f->r;
  mt_rewrite_ctx *ctx = f->ctx;
  apr_bucket_brigade *out = apr_brigade_create(r->pool, f->c->bucket_alloc);
  ctx->done = 1;
  apr_table_unset(r->headers_out, "Content-Length");
  apr_table_unset(r->headers_out, "Alt-Svc");
  if (content_type) ap_set_content_type(r, content_type);
  ap_set_content_length(r, (apr_off_t)len);
  APR_BRIGADE_INSERT_TAIL(out, apr_bucket_pool_create(body, len, r->pool, f->c->bucket_alloc));
  APR_BRIGADE_INSERT_TAIL(out, apr_bucket_eos_create(f->c->bucket_alloc));
  return ap_pass_brigade(f->next, out);
}

/* Copies a malloc'd buffer from jmap_gateway.h into the request pool and frees it. */
static char *mt_take(request_rec *r, char *out, apr_size_t len) {
  char *copy = apr_pmemdup(r->pool, out, len);
  mtj_free(out);
  return copy;
}

static apr_status_t mt_fail_closed(ap_filter_t *f, const char *why) {
  request_rec *r = f->r;
  char *json = mtj_problem_json("about:blank", HTTP_BAD_GATEWAY,
                                "The JMAP backend's answer could not be checked.");
  const char *body = json ? apr_pstrdup(r->pool, json) : "{}";
  if (json) mtj_free(json);
  ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mailtoken: %s; answering 502", why);
  r->status = HTTP_BAD_GATEWAY;
  r->status_line = NULL;
  apr_table_unset(r->headers_out, "Content-Encoding");
  return mt_send_replacement(f, body, strlen(body), "application/problem+json");
}

static int mt_is_json(const char *content_type) {
  return content_type != NULL && (strncasecmp(content_type, "application/json", 16) == 0);
}

static apr_status_t mt_rewrite_out_filter(ap_filter_t *f, apr_bucket_brigade *bb) {
  request_rec *r = f->r;
  mt_rewrite_ctx *ctx = f->ctx;
  int seen_eos = 0;
  char *flat = NULL, *out = NULL;
  apr_size_t flat_len = 0, out_len = 0;
  int rc;

  if (ctx->done) {
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
  }
  if (ctx->held == NULL) {
    if (r->header_only) { /* HEAD: no body, but the unfiltered length must not show */
      apr_table_unset(r->headers_out, "Content-Length");
      ap_remove_output_filter(f);
      return ap_pass_brigade(f->next, bb);
    }
    /* Errors, redirects and non-JSON answers carry nothing to filter. */
    if (r->status != HTTP_OK ||
        (ctx->kind == MT_REWRITE_SESSION && !mt_is_json(r->content_type))) {
      if (ctx->kind == MT_REWRITE_API && r->status == HTTP_OK) {
        apr_brigade_cleanup(bb);
        return mt_fail_closed(f, "API answer is not JSON");
      }
      ap_remove_output_filter(f);
      return ap_pass_brigade(f->next, bb);
    }
    ctx->held = apr_brigade_create(r->pool, f->c->bucket_alloc);
  }
  while (!APR_BRIGADE_EMPTY(bb)) {
    apr_bucket *b = APR_BRIGADE_FIRST(bb);
    if (APR_BUCKET_IS_EOS(b)) {
      seen_eos = 1;
      apr_bucket_delete(b);
      break;
    }
    if (APR_BUCKET_IS_METADATA(b)) { /* flushes are meaningless while we hold the body */
      apr_bucket_delete(b);
      continue;
    }
    if (b->length != (apr_size_t)-1) ctx->held_len += b->length;
    APR_BUCKET_REMOVE(b);
    if (apr_bucket_setaside(b, r->pool) != APR_SUCCESS) {
      apr_bucket_destroy(b);
      apr_brigade_cleanup(bb);
      return mt_fail_closed(f, "cannot buffer the backend answer");
    }
    APR_BRIGADE_INSERT_TAIL(ctx->held, b);
    if (ctx->held_len > MT_MAX_RESPONSE) {
      apr_brigade_cleanup(bb);
      return mt_fail_closed(f, "backend answer too large to check");
    }
  }
  apr_brigade_cleanup(bb);
  if (!seen_eos) return APR_SUCCESS;

  if (apr_table_get(r->headers_out, "Content-Encoding")) {
    return mt_fail_closed(f, "backend answer is compressed");
  }
  if (apr_brigade_pflatten(ctx->held, &flat, &flat_len, r->pool) != APR_SUCCESS) {
    return mt_fail_closed(f, "cannot read the backend answer");
  }
  if (ctx->kind == MT_REWRITE_SESSION) {
    rc = mtj_filter_session(flat, flat_len, ctx->state->outcome.scopes, ctx->state->outcome.read_only,
                            (unsigned long long)ctx->max_body, &out, &out_len);
    if (rc != 0) return mt_fail_closed(f, "session resource is not a JSON object");
    flat = mt_take(r, out, out_len);
    return mt_send_replacement(f, flat, out_len, NULL);
  }
  if (mtj_verdict_action(ctx->state->verdict) == MTJ_FORWARD_REWRITTEN) {
    if (mtj_merge(ctx->state->verdict, flat, flat_len, &out, &out_len) != 0) {
      return mt_fail_closed(f, "API answer does not match the request");
    }
    flat = mt_take(r, out, out_len);
    flat_len = out_len;
  }
  if (ctx->state->outcome.read_only) {
    if (mtj_restrict_read_only_rights(flat, flat_len, &out, &out_len) != 0) {
      return mt_fail_closed(f, "API answer cannot be checked for read-only rights");
    }
    flat = mt_take(r, out, out_len);
    flat_len = out_len;
  }
  return mt_send_replacement(f, flat, flat_len, NULL);
}

/* ---------- auth-phase refusals: problem JSON media type ---------- */

static void mt_insert_error_filter(request_rec *r) {
  const char *status = apr_table_get(r->notes, MT_PROBLEM_NOTE);
  /* Only the error check_authn answered: any later, different error keeps its own body. */
  if (status != NULL && atoi(status) == r->status) {
    ap_add_output_filter("MAILTOKEN_PROBLEM", NULL, r, r->connection);
  }
}

static apr_status_t mt_problem_out_filter(ap_filter_t *f, apr_bucket_brigade *bb) {
  ap_set_content_type(f->r, "application/problem+json");
  ap_remove_output_filter(f);
  return ap_pass_brigade(f->next, bb);
}

/* ---------- last use, after the response went out ---------- */

static int mt_log_transaction(request_rec *r) {
  mt_request_state *st = mt_state(r);
  struct mailtoken_request req;
  char err[256];
  if (st == NULL || !st->allowed || g_verifier == NULL) return DECLINED;
  memset(&req, 0, sizeof(req));
  req.user = st->outcome.user;
  req.token = NULL; /* the secret is not kept past authentication */
  req.token_len = 0;
  req.service = "jmap";
  req.remote_ip = r->useragent_ip;
  err[0] = '\0';
  if (mailtoken_record_use(g_verifier, &req, &st->outcome, err, sizeof(err)) != 0) {
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "mailtoken: last use of token %s not recorded: %s",
                  st->outcome.token_id, err);
  }
  return DECLINED;
}

/* ---------- start-up ---------- */

static apr_status_t mt_close_signer(void *data) {
  (void)data;
  if (g_signer) mtj_signer_close(g_signer);
  g_signer = NULL;
  return APR_SUCCESS;
}

static apr_status_t mt_close_verifier(void *data) {
  (void)data;
  if (g_verifier) mailtoken_verifier_close(g_verifier);
  g_verifier = NULL;
  return APR_SUCCESS;
}

/* Bad configuration fails loudly at start (DESIGN section 8). */
static int mt_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s) {
  char err[512];
  struct mailtoken_verifier *probe;
  (void)plog;
  (void)ptemp;
  if (g_config_path == NULL && g_key_path == NULL) return OK; /* loaded but not used */
  if (g_config_path == NULL || g_key_path == NULL) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                 "mailtoken: MailtokenConfig and MailtokenBackendKeyFile must both be set");
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  err[0] = '\0';
  probe = mailtoken_verifier_open(g_config_path, err, sizeof(err));
  if (probe == NULL) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "mailtoken: %s: %s", g_config_path, err);
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  mailtoken_verifier_close(probe);
  mt_close_signer(NULL);
  g_signer = mtj_signer_open(g_key_path, err, sizeof(err));
  if (g_signer == NULL) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "mailtoken: backend key: %s", err);
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  apr_pool_cleanup_register(pconf, NULL, mt_close_signer, apr_pool_cleanup_null);
  return OK;
}

/* One verifier per child process: its database connection is not shared across fork. */
static void mt_child_init(apr_pool_t *pchild, server_rec *s) {
  char err[512];
  if (g_config_path == NULL) return;
  err[0] = '\0';
  g_verifier = mailtoken_verifier_open(g_config_path, err, sizeof(err));
  if (g_verifier == NULL) {
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "mailtoken: %s: %s (requests get 503)", g_config_path, err);
    return;
  }
  apr_pool_cleanup_register(pchild, NULL, mt_close_verifier, apr_pool_cleanup_null);
}

static void mt_register_hooks(apr_pool_t *p) {
  (void)p;
  ap_hook_post_config(mt_post_config, NULL, NULL, APR_HOOK_MIDDLE);
  ap_hook_child_init(mt_child_init, NULL, NULL, APR_HOOK_MIDDLE);
  ap_hook_check_authn(mt_check_authn, NULL, NULL, APR_HOOK_MIDDLE, AP_AUTH_INTERNAL_PER_CONF);
  ap_hook_fixups(mt_fixups, NULL, NULL, APR_HOOK_LAST);
  ap_hook_handler(mt_handler, NULL, NULL, APR_HOOK_REALLY_FIRST);
  ap_hook_log_transaction(mt_log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
  ap_hook_insert_error_filter(mt_insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
  ap_register_input_filter("MAILTOKEN_BODY", mt_body_in_filter, NULL, AP_FTYPE_RESOURCE);
  ap_register_output_filter("MAILTOKEN_REWRITE", mt_rewrite_out_filter, NULL, AP_FTYPE_RESOURCE);
  ap_register_output_filter("MAILTOKEN_PROBLEM", mt_problem_out_filter, NULL, AP_FTYPE_RESOURCE);
}

AP_DECLARE_MODULE(mailtoken) = {
    STANDARD20_MODULE_STUFF,
    mt_create_dir_conf,
    mt_merge_dir_conf,
    NULL,
    NULL,
    mt_commands,
    mt_register_hooks,
#ifdef AP_MODULE_FLAG_NONE
    AP_MODULE_FLAG_NONE
#endif
};
