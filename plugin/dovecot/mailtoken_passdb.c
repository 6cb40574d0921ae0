/* Dovecot passdb driver "mailtoken": accepts an API token as the password.
 *
 *   passdb {
 *     driver = mailtoken
 *     args = /etc/mailtoken/mailtoken.conf
 *   }
 *
 * A thin adapter: the C facade (mailtoken.h) does all the checking; this file maps its
 * outcome onto Dovecot's passdb results and fields. The driver is blocking, so verify_plain
 * runs in the auth-worker processes, where a synchronous database query is fine and each
 * process has its own verifier (and database connection).
 *
 * Outcome -> Dovecot:
 *   ALLOW     OK, with userdb_mailtoken_access / _token_id / _scopes for the session
 *   MISMATCH  PASSWORD_MISMATCH (client: NO [AUTHENTICATIONFAILED])
 *   REFUSED   OK with nologin + reason, the only way the client sees why (HOSTS.md)
 *
 * Only Dovecot's own login services (imap, pop3, submission, sieve) are answered from a
 * token at all: they honour nologin. Any other auth client (Postfix or Exim SASL as
 * service=smtp, lmtp, doveadm, ...) gets PASSWORD_MISMATCH before the token is even looked
 * at, because such a client would take "OK + nologin" for a successful login.
 *   TEMPFAIL  INTERNAL_FAILURE (client: NO [UNAVAILABLE]); never an accept
 *
 * No lookup_credentials: a token cannot be turned back into credentials, so mechanisms that
 * need them (CRAM-MD5, DIGEST-MD5, SCRAM) fail for this passdb. The module sets no
 * default_cache_key, so Dovecot's auth cache never holds its answers and a revocation takes
 * effect on the very next login. The password is never logged. Last use (time, IP,
 * protocol) is written from a zero timeout after the answer is sent, never in its way.
 */
#include "auth-common.h"
#include "array.h"
#include "ioloop.h"
#include "passdb.h"
#include "str-sanitize.h"

#include "mailtoken/mailtoken.h"
#include "mailtoken_fields.h"
#include "dovecot_export.h"

#include <string.h>

/* A granted login whose last use is still to be written. It outlives the request (the
   passdb callback may free that), so it owns copies of what it needs. */
struct mailtoken_pending_use {
	char *user;
	char *service;
	char *remote_ip;
	struct mailtoken_outcome outcome;
};

struct mailtoken_passdb_module {
	struct passdb_module module;
	const char *config_path;
	/* Only in auth-worker processes; the auth master never verifies. */
	struct mailtoken_verifier *verifier;
	/* Last uses are written from a zero timeout: the worker's reply is corked until
	   verify_plain returns, so writing them there would delay the login. */
	ARRAY(struct mailtoken_pending_use) pending_uses;
	struct timeout *to_record_uses;
};

extern MAILTOKEN_DOVECOT_EXPORT const char *authdb_mailtoken_version;
MAILTOKEN_DOVECOT_EXPORT void authdb_mailtoken_init(void);
MAILTOKEN_DOVECOT_EXPORT void authdb_mailtoken_deinit(void);

const char *authdb_mailtoken_version = DOVECOT_ABI_VERSION;

static struct mailtoken_verifier *mailtoken_open_or_die(const char *config_path)
{
	char error[512];
	struct mailtoken_verifier *verifier;

	error[0] = '\0';
	verifier = mailtoken_verifier_open(config_path, error, sizeof(error));
	if (verifier == NULL) {
		/* Bad config must stop the service at start, not turn into failed logins. */
		i_fatal("passdb mailtoken: cannot use %s: %s", config_path,
			error[0] != '\0' ? error : "unknown error");
	}
	return verifier;
}

static struct passdb_module *
mailtoken_passdb_preinit(pool_t pool, const char *args)
{
	struct mailtoken_passdb_module *module;
	struct mailtoken_verifier *verifier;

	if (args == NULL || *args == '\0' || strchr(args, ' ') != NULL)
		i_fatal("passdb mailtoken: args must be the path of mailtoken.conf");

	module = p_new(pool, struct mailtoken_passdb_module, 1);
	module->module.blocking = TRUE;
	/* No default_cache_key: Dovecot's auth cache stays off for this passdb. */
	module->config_path = p_strdup(pool, args);

	/* preinit runs before the auth process drops privileges, so a pepper readable only
	   by root can be read here. The master only checks the config and lets go of the
	   pepper; each worker keeps its verifier. */
	verifier = mailtoken_open_or_die(module->config_path);
	if (worker)
		module->verifier = verifier;
	else
		mailtoken_verifier_close(verifier);
	return &module->module;
}

static void mailtoken_record_pending_uses(struct mailtoken_passdb_module *module);

static void mailtoken_passdb_deinit(struct passdb_module *_module)
{
	struct mailtoken_passdb_module *module =
		(struct mailtoken_passdb_module *)_module;

	/* Uses not yet written are written now rather than lost. */
	mailtoken_record_pending_uses(module);
	if (array_is_created(&module->pending_uses))
		array_free(&module->pending_uses);
	if (module->verifier != NULL) {
		mailtoken_verifier_close(module->verifier);
		module->verifier = NULL;
	}
}

/* The services whose login processes honour nologin; see the comment at the top. */
static bool mailtoken_service_takes_tokens(const char *service)
{
	static const char *const services[] = { "imap", "pop3", "submission", "sieve", NULL };
	unsigned int i;

	if (service == NULL)
		return FALSE;
	for (i = 0; services[i] != NULL; i++) {
		if (strcmp(service, services[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static const char *mailtoken_remote_ip(const struct auth_request *request)
{
	if (request->fields.remote_ip.family == 0)
		return NULL;
	return net_ip2addr(&request->fields.remote_ip);
}

static void mailtoken_set_grant_fields(struct auth_request *request,
				       const struct mailtoken_outcome *outcome)
{
	char scopes[128];

	mailtoken_scope_names(outcome->scopes, scopes, sizeof(scopes));
	auth_request_set_field(request, "userdb_" MAILTOKEN_SETTING_ACCESS,
			       outcome->read_only ? MAILTOKEN_ACCESS_READ_ONLY :
			       MAILTOKEN_ACCESS_READ_WRITE, NULL);
	auth_request_set_field(request, "userdb_" MAILTOKEN_SETTING_TOKEN_ID,
			       outcome->token_id, NULL);
	auth_request_set_field(request, "userdb_" MAILTOKEN_SETTING_SCOPES,
			       scopes, NULL);
}

static const char *mailtoken_id_for_log(const struct mailtoken_outcome *outcome)
{
	return outcome->token_id[0] != '\0' ? outcome->token_id : "-";
}

static void mailtoken_record_pending_uses(struct mailtoken_passdb_module *module)
{
	struct mailtoken_pending_use *use;
	struct mailtoken_request request;
	char error[256];

	timeout_remove(&module->to_record_uses);
	if (!array_is_created(&module->pending_uses))
		return;
	array_foreach_modifiable(&module->pending_uses, use) {
		/* The token text is not needed to record a use. */
		memset(&request, 0, sizeof(request));
		request.user = use->user;
		request.token = "";
		request.token_len = 0;
		request.service = use->service;
		request.remote_ip = use->remote_ip;

		error[0] = '\0';
		if (mailtoken_record_use(module->verifier, &request, &use->outcome,
					 error, sizeof(error)) < 0) {
			i_warning("passdb mailtoken: token %s: could not record last use: %s",
				  mailtoken_id_for_log(&use->outcome), error);
		}
		i_free(use->user);
		i_free(use->service);
		i_free(use->remote_ip);
	}
	array_clear(&module->pending_uses);
}

static void mailtoken_queue_use(struct mailtoken_passdb_module *module,
				const char *user, const char *service,
				const char *remote_ip,
				const struct mailtoken_outcome *outcome)
{
	struct mailtoken_pending_use *use;

	if (!array_is_created(&module->pending_uses))
		i_array_init(&module->pending_uses, 8);
	use = array_append_space(&module->pending_uses);
	use->user = i_strdup(user);
	use->service = i_strdup(service);
	use->remote_ip = i_strdup(remote_ip);
	use->outcome = *outcome;
	if (module->to_record_uses == NULL) {
		module->to_record_uses =
			timeout_add_short(0, mailtoken_record_pending_uses, module);
	}
}

static void
mailtoken_verify_plain(struct auth_request *request, const char *password,
		       verify_plain_callback_t *callback)
{
	struct mailtoken_passdb_module *module =
		(struct mailtoken_passdb_module *)request->passdb->passdb;
	struct mailtoken_request token_request;
	struct mailtoken_outcome outcome;
	const char *user, *service, *remote_ip;

	if (module->verifier == NULL) {
		/* Blocking passdbs only verify in workers; anything else is a bug, and the
		   safe answer is a temporary failure. */
		auth_request_log_error(request, AUTH_SUBSYS_DB,
				       "mailtoken verifier not open in this process");
		callback(PASSDB_RESULT_INTERNAL_FAILURE, request);
		return;
	}

	if (!mailtoken_service_takes_tokens(request->fields.service)) {
		auth_request_log_info(request, AUTH_SUBSYS_DB,
				      "Password mismatch (API tokens are not accepted for service %s)",
				      request->fields.service == NULL ? "(none)" :
				      str_sanitize(request->fields.service, 32));
		callback(PASSDB_RESULT_PASSWORD_MISMATCH, request);
		return;
	}

	/* Copies: the request may be freed by the callback, before the use is queued. */
	user = t_strdup(request->fields.user);
	service = t_strdup(request->fields.service);
	remote_ip = t_strdup(mailtoken_remote_ip(request));

	memset(&token_request, 0, sizeof(token_request));
	token_request.user = user;
	token_request.token = password;
	token_request.token_len = strlen(password);
	token_request.service = service;
	token_request.remote_ip = remote_ip;

	memset(&outcome, 0, sizeof(outcome));
	switch (mailtoken_verify(module->verifier, &token_request, &outcome)) {
	case MAILTOKEN_ALLOW:
		mailtoken_set_grant_fields(request, &outcome);
		auth_request_log_debug(request, AUTH_SUBSYS_DB,
				       "token %s accepted (%s)",
				       mailtoken_id_for_log(&outcome),
				       outcome.read_only ? MAILTOKEN_ACCESS_READ_ONLY :
				       MAILTOKEN_ACCESS_READ_WRITE);
		callback(PASSDB_RESULT_OK, request);
		/* Written once the answer is on its way, so it never slows the login. */
		mailtoken_queue_use(module, user, service, remote_ip, &outcome);
		return;
	case MAILTOKEN_MISMATCH:
		auth_request_log_info(request, AUTH_SUBSYS_DB,
				      "Password mismatch (token %s: %s)",
				      mailtoken_id_for_log(&outcome),
				      outcome.log_reason);
		callback(PASSDB_RESULT_PASSWORD_MISMATCH, request);
		return;
	case MAILTOKEN_REFUSED:
		/* Fields on a failed result are rolled back, so the visible refusal is an OK
		   with nologin: every login service then refuses with this reason. */
		auth_request_log_info(request, AUTH_SUBSYS_DB,
				      "token %s refused: %s",
				      mailtoken_id_for_log(&outcome),
				      outcome.log_reason);
		auth_request_set_field(request, "nologin", "y", NULL);
		auth_request_set_field(request, "reason",
				       outcome.client_reason[0] != '\0' ?
				       outcome.client_reason :
				       "This API token cannot be used here", NULL);
		callback(PASSDB_RESULT_OK, request);
		return;
	case MAILTOKEN_TEMPFAIL:
		break;
	}
	/* TEMPFAIL and anything unexpected: fail closed, as a temporary failure. */
	auth_request_log_error(request, AUTH_SUBSYS_DB,
			       "token %s: temporary failure: %s",
			       mailtoken_id_for_log(&outcome), outcome.log_reason);
	callback(PASSDB_RESULT_INTERNAL_FAILURE, request);
}

static struct passdb_module_interface mailtoken_passdb_interface = {
	.name = "mailtoken",
	.preinit = mailtoken_passdb_preinit,
	.init = NULL,
	.deinit = mailtoken_passdb_deinit,
	.verify_plain = mailtoken_verify_plain,
	.lookup_credentials = NULL,
	.set_credentials = NULL,
};

void authdb_mailtoken_init(void)
{
	passdb_register_module(&mailtoken_passdb_interface);
}

void authdb_mailtoken_deinit(void)
{
	passdb_unregister_module(&mailtoken_passdb_interface);
}
