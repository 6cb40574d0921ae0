/* Dovecot IMAP plugin "imap_mailtoken": a read-only API token may run only IMAP commands
 * known to be read-only; every other command answers "NO [NOPERM] This API token is
 * read-only" before it runs.
 *
 *   protocol imap {
 *     mail_plugins = $mail_plugins imap_mailtoken
 *   }
 *
 * Why an allow-list in the IMAP layer, on top of the mail plugin: the mail plugin makes a
 * read-only token's mailboxes read-only through the storage vfuncs, but not every write goes
 * through them. imap_acl's SETACL/DELETEACL write the ACL backend directly (a read-only
 * token could share the victim's mail with anyone), imap_quota's SETQUOTA writes the quota
 * backend, GENURLAUTH/RESETKEY write URLAUTH keys, and any plugin or future Dovecot version
 * may add more. Stock imap also answers some refused writes with OK (EXPUNGE on a read-only
 * mailbox, HOSTS.md). So a read-only session runs only the commands listed below, and a
 * command this plugin has never heard of is refused: fail closed.
 *
 * How: a command hook (command_hook_register) runs before every execution step of every
 * command. For a read-only session whose command is not on the list, the hook swaps the
 * command's handler for one that reads the command's arguments and sends the refusal; the
 * original handler never runs. (APPEND alone keeps its handler, see below.) Dovecot 2.3 names UID commands in full
 * ("UID FETCH") before they run, so they are checked like any other. The decision depends
 * only on the command name, which does not change while a command runs, so a command that
 * resumes later (FETCH of a large message, IDLE) gets the same answer every time. Commands
 * Dovecot does not know never reach the hook: they answer BAD "Unknown command" and do
 * nothing. Sessions that are not read-only are never touched.
 *
 * It depends on the mail plugin (which refuses a session with an unknown access value and
 * stays the storage-level second line of defence), so it cannot be enabled without it.
 */
#include "imap-common.h"
#include "imap-commands.h"
#include "imap-resp-code.h"
#include "mail-user.h"

#include "mailtoken_fields.h"
#include "dovecot_export.h"

extern MAILTOKEN_DOVECOT_EXPORT const char *imap_mailtoken_plugin_version;
extern MAILTOKEN_DOVECOT_EXPORT const char *imap_mailtoken_plugin_dependencies[];
MAILTOKEN_DOVECOT_EXPORT void imap_mailtoken_plugin_init(struct module *module);
MAILTOKEN_DOVECOT_EXPORT void imap_mailtoken_plugin_deinit(void);

const char *imap_mailtoken_plugin_version = DOVECOT_ABI_VERSION;
const char *imap_mailtoken_plugin_dependencies[] = { "mailtoken", NULL };

/* Commands a read-only session may run: each reads mail or changes only the state of this
   IMAP session (selected mailbox, enabled extensions, compression, notifications). Adding a
   name here is a security decision: check that the command, with every argument it
   accepts, cannot change stored data. CLOSE is here because it never expunges a read-only
   mailbox (and \Deleted cannot be set from a read-only session anyway). */
static const char *const mailtoken_read_only_commands[] = {
	/* Any state */
	"CAPABILITY", "NOOP", "LOGOUT", "ID", "ENABLE", "NAMESPACE",
	/* Session state: selection, waiting for changes, cancelling own commands */
	"SELECT", "EXAMINE", "CHECK", "CLOSE", "UNSELECT", "IDLE", "NOTIFY",
	"CANCELUPDATE", "X-CANCEL",
	/* Listing and status */
	"LIST", "LSUB", "XLIST", "STATUS",
	/* Reading messages (the mailbox is read-only, so FETCH sets no \Seen) */
	"FETCH", "UID FETCH", "SEARCH", "UID SEARCH", "SORT", "UID SORT",
	"THREAD", "UID THREAD",
	/* Reading metadata, rights and quotas (imap_acl, imap_quota) */
	"GETMETADATA", "GETACL", "MYRIGHTS", "LISTRIGHTS", "GETQUOTA", "GETQUOTAROOT",
	/* imap_zlib: transport compression only */
	"COMPRESS",
	NULL
};

/* Writes left to their own handler, which the mail plugin makes fail. APPEND's message may
   be a non-synchronising literal (LITERAL+) of any size; cmd_append knows how to read and
   drop it after a refusal, whereas answering before it would leave the message bytes in the
   input to be parsed as commands. The mail plugin refuses every save with "This API token is
   read-only", and this plugin cannot be loaded without it. */
static const char *const mailtoken_storage_refused_commands[] = {
	"APPEND",
	NULL
};

/* Only an explicit read-write token (or no token at all: an ordinary password login) may
   run every command; any other value, read-only or not understood, gets the allow-list, as
   the mail plugin also treats it. */
static bool mailtoken_session_may_write(struct client *client)
{
	const char *access = mail_user_plugin_getenv(client->user, MAILTOKEN_SETTING_ACCESS);

	return access == NULL || strcmp(access, MAILTOKEN_ACCESS_READ_WRITE) == 0;
}

static bool mailtoken_name_listed(const char *name, const char *const *list)
{
	unsigned int i;

	/* Dovecot matches command names case-insensitively; so must we. */
	for (i = 0; list[i] != NULL; i++) {
		if (strcasecmp(name, list[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static bool mailtoken_read_only_session_may_run(const char *name)
{
	return name != NULL &&
		(mailtoken_name_listed(name, mailtoken_read_only_commands) ||
		 mailtoken_name_listed(name, mailtoken_storage_refused_commands));
}

static bool mailtoken_cmd_refuse(struct client_command_context *cmd)
{
	const struct imap_arg *args;

	/* Read the rest of the command first, literals included, as any handler does: left
	   unread, a literal's content would be parsed as the next commands. Until it has all
	   arrived Dovecot calls us again; on a parse error client_read_args has answered BAD. */
	if (!client_read_args(cmd, 0, 0, &args))
		return FALSE;
	client_send_tagline(cmd, "NO ["IMAP_RESP_CODE_NOPERM"] "
			    MAILTOKEN_READ_ONLY_ERROR);
	return TRUE;
}

static void mailtoken_command_pre(struct client_command_context *cmd)
{
	if (cmd->func == mailtoken_cmd_refuse || mailtoken_session_may_write(cmd->client))
		return;
	if (!mailtoken_read_only_session_may_run(cmd->name))
		cmd->func = mailtoken_cmd_refuse;
}

/* Dovecot calls both hooks without a NULL check; nothing is left to do afterwards. */
static void mailtoken_command_post(struct client_command_context *cmd ATTR_UNUSED)
{
}

void imap_mailtoken_plugin_init(struct module *module ATTR_UNUSED)
{
	command_hook_register(mailtoken_command_pre, mailtoken_command_post);
}

void imap_mailtoken_plugin_deinit(void)
{
	command_hook_unregister(mailtoken_command_pre, mailtoken_command_post);
}
