/* Dovecot IMAP plugin "imap_mailtoken": EXPUNGE and UID EXPUNGE answer NO for read-only
 * API tokens.
 *
 *   protocol imap {
 *     mail_plugins = $mail_plugins imap_mailtoken
 *   }
 *
 * The mail plugin makes a read-only token's mailboxes read-only, but stock imap answers
 * EXPUNGE on a read-only mailbox with OK and does nothing (HOSTS.md). A client must see the
 * refusal, so this plugin wraps both command handlers: for a read-only session it answers
 * "NO [NOPERM] This API token is read-only"; every other session reaches the original
 * handler. It depends on the mail plugin, so it cannot be enabled without it.
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

struct mailtoken_wrapped_command {
	const char *name;
	command_func_t *original;
	enum command_flags flags;
};

static struct mailtoken_wrapped_command mailtoken_expunge = { "EXPUNGE", NULL, 0 };
static struct mailtoken_wrapped_command mailtoken_uid_expunge = { "UID EXPUNGE", NULL, 0 };

/* Only an explicit read-write token (or no token at all) may expunge; any other value is
   refused, as the mail plugin does. */
static bool mailtoken_session_may_write(struct client *client)
{
	const char *access = mail_user_plugin_getenv(client->user, MAILTOKEN_SETTING_ACCESS);

	return access == NULL || strcmp(access, MAILTOKEN_ACCESS_READ_WRITE) == 0;
}

static bool mailtoken_refuse_if_read_only(struct client_command_context *cmd,
					  const struct mailtoken_wrapped_command *command)
{
	if (mailtoken_session_may_write(cmd->client) || cmd->client->mailbox == NULL) {
		/* Without a selected mailbox the original answers BAD as usual. */
		return command->original(cmd);
	}
	client_send_tagline(cmd, "NO ["IMAP_RESP_CODE_NOPERM"] "
			    MAILTOKEN_READ_ONLY_ERROR);
	return TRUE;
}

static bool mailtoken_cmd_expunge(struct client_command_context *cmd)
{
	return mailtoken_refuse_if_read_only(cmd, &mailtoken_expunge);
}

static bool mailtoken_cmd_uid_expunge(struct client_command_context *cmd)
{
	return mailtoken_refuse_if_read_only(cmd, &mailtoken_uid_expunge);
}

static void mailtoken_wrap_command(struct mailtoken_wrapped_command *command,
				   command_func_t *replacement)
{
	const struct command *existing = command_find(command->name);

	if (existing == NULL)
		i_fatal("imap_mailtoken: IMAP command %s not found", command->name);
	/* Copy before unregistering: the entry lives in an array that is about to change. */
	command->original = existing->func;
	command->flags = existing->flags;
	command_unregister(command->name);
	command_register(command->name, replacement, command->flags);
}

static void mailtoken_unwrap_command(struct mailtoken_wrapped_command *command)
{
	if (command->original == NULL)
		return;
	command_unregister(command->name);
	command_register(command->name, command->original, command->flags);
	command->original = NULL;
}

void imap_mailtoken_plugin_init(struct module *module ATTR_UNUSED)
{
	mailtoken_wrap_command(&mailtoken_expunge, mailtoken_cmd_expunge);
	mailtoken_wrap_command(&mailtoken_uid_expunge, mailtoken_cmd_uid_expunge);
}

void imap_mailtoken_plugin_deinit(void)
{
	mailtoken_unwrap_command(&mailtoken_uid_expunge);
	mailtoken_unwrap_command(&mailtoken_expunge);
}
