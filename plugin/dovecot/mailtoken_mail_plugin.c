/* Dovecot mail plugin "mailtoken": makes a read-only API token's session read-only.
 *
 *   mail_plugins = $mail_plugins mailtoken
 *
 * The passdb hands the token's access to the session as the plugin setting
 * `mailtoken_access` (see mailtoken_fields.h):
 *   absent or "read-write"  the plugin does nothing (ordinary password logins included)
 *   "read-only"             every mailbox reports itself read-only (SELECT answers
 *                           [READ-ONLY], reading does not set \Seen) and every write the
 *                           storage API offers fails with MAIL_ERROR_PERM
 *   anything else           the session is refused: a value this plugin does not understand
 *                           must never mean more access (fail closed)
 *
 * Writes whose vfuncs return void (flag and keyword updates, expunges) cannot fail on the
 * spot, so they mark their transaction and the commit fails instead. Read-only is logical:
 * Dovecot still updates its own index and cache files.
 */
#include "lib.h"
#include "module-context.h"
#include "mail-user.h"
#include "mail-storage-private.h"
#include "mail-storage-hooks.h"
#include "str-sanitize.h"

#include "mailtoken_fields.h"
#include "dovecot_export.h"

#define MAILTOKEN_USER_CONTEXT(obj) \
	MODULE_CONTEXT(obj, mailtoken_user_module)
#define MAILTOKEN_STORAGE_CONTEXT(obj) \
	MODULE_CONTEXT(obj, mailtoken_storage_module)
#define MAILTOKEN_STORAGE_CONTEXT_REQUIRE(obj) \
	MODULE_CONTEXT_REQUIRE(obj, mailtoken_storage_module)

enum mailtoken_session_access {
	MAILTOKEN_SESSION_READ_ONLY,
	/* The setting held a value we do not understand: refuse everything. */
	MAILTOKEN_SESSION_INVALID,
};

struct mailtoken_user {
	union mail_user_module_context module_ctx;
	enum mailtoken_session_access access;
};

struct mailtoken_transaction {
	union mailbox_transaction_module_context module_ctx;
	/* A flag, keyword or expunge change was asked for: the commit must fail. */
	bool write_refused;
};

extern MAILTOKEN_DOVECOT_EXPORT const char *mailtoken_plugin_version;
MAILTOKEN_DOVECOT_EXPORT void mailtoken_plugin_init(struct module *module);
MAILTOKEN_DOVECOT_EXPORT void mailtoken_plugin_deinit(void);

const char *mailtoken_plugin_version = DOVECOT_ABI_VERSION;

static MODULE_CONTEXT_DEFINE_INIT(mailtoken_user_module,
				  &mail_user_module_register);
static MODULE_CONTEXT_DEFINE_INIT(mailtoken_storage_module,
				  &mail_storage_module_register);
static MODULE_CONTEXT_DEFINE_INIT(mailtoken_mail_module,
				  &mail_module_register);

/* NULL for sessions the plugin leaves alone. */
static struct mailtoken_user *mailtoken_user_of(struct mail_storage *storage)
{
	return MAILTOKEN_USER_CONTEXT(storage->user);
}

static void mailtoken_set_read_only_error(struct mail_storage *storage)
{
	mail_storage_set_error(storage, MAIL_ERROR_PERM,
			       MAILTOKEN_READ_ONLY_ERROR);
}

static bool mailtoken_is_readonly(struct mailbox *box ATTR_UNUSED)
{
	return TRUE;
}

static int
mailtoken_create_box(struct mailbox *box, const struct mailbox_update *update,
		     bool directory)
{
	union mailbox_module_context *mbox = MAILTOKEN_STORAGE_CONTEXT_REQUIRE(box);
	struct mailtoken_user *muser = mailtoken_user_of(box->storage);

	/* INBOX and other autocreated boxes are created by Dovecot on first access, not by
	   the client; refusing them would make a new account unusable. */
	if (muser->access == MAILTOKEN_SESSION_READ_ONLY &&
	    (box->inbox_user || mailbox_is_autocreated(box)))
		return mbox->super.create_box(box, update, directory);
	mailtoken_set_read_only_error(box->storage);
	return -1;
}

static int
mailtoken_update_box(struct mailbox *box,
		     const struct mailbox_update *update ATTR_UNUSED)
{
	mailtoken_set_read_only_error(box->storage);
	return -1;
}

static int mailtoken_delete_box(struct mailbox *box)
{
	mailtoken_set_read_only_error(box->storage);
	return -1;
}

static int
mailtoken_rename_box(struct mailbox *src, struct mailbox *dest ATTR_UNUSED)
{
	mailtoken_set_read_only_error(src->storage);
	return -1;
}

static int mailtoken_set_subscribed(struct mailbox *box, bool set ATTR_UNUSED)
{
	mailtoken_set_read_only_error(box->storage);
	return -1;
}

static int
mailtoken_attribute_set(struct mailbox_transaction_context *t,
			enum mail_attribute_type type_flags ATTR_UNUSED,
			const char *key ATTR_UNUSED,
			const struct mail_attribute_value *value ATTR_UNUSED)
{
	mailtoken_set_read_only_error(t->box->storage);
	return -1;
}

static int
mailtoken_save_begin(struct mail_save_context *ctx,
		     struct istream *input ATTR_UNUSED)
{
	/* mailbox_save_begin() cancels the save when this fails. */
	mailtoken_set_read_only_error(ctx->transaction->box->storage);
	return -1;
}

static int mailtoken_copy(struct mail_save_context *ctx, struct mail *mail ATTR_UNUSED)
{
	struct mailbox *box = ctx->transaction->box;

	/* The caller expects a failed copy to have released the save context; imap asserts
	   on a leftover one. */
	mailbox_save_cancel(&ctx);
	mailtoken_set_read_only_error(box->storage);
	return -1;
}

static struct mailbox_transaction_context *
mailtoken_transaction_begin(struct mailbox *box,
			    enum mailbox_transaction_flags flags,
			    const char *reason)
{
	union mailbox_module_context *mbox = MAILTOKEN_STORAGE_CONTEXT_REQUIRE(box);
	struct mailbox_transaction_context *t;
	struct mailtoken_transaction *mt;

	t = mbox->super.transaction_begin(box, flags, reason);
	mt = i_new(struct mailtoken_transaction, 1);
	MODULE_CONTEXT_SET(t, mailtoken_storage_module, mt);
	return t;
}

static int
mailtoken_transaction_commit(struct mailbox_transaction_context *t,
			     struct mail_transaction_commit_changes *changes_r)
{
	struct mailbox *box = t->box;
	union mailbox_module_context *mbox = MAILTOKEN_STORAGE_CONTEXT_REQUIRE(box);
	struct mailtoken_transaction *mt = MAILTOKEN_STORAGE_CONTEXT_REQUIRE(t);
	bool write_refused = mt->write_refused;

	i_free(mt);
	if (write_refused) {
		mbox->super.transaction_rollback(t);
		mailtoken_set_read_only_error(box->storage);
		return -1;
	}
	return mbox->super.transaction_commit(t, changes_r);
}

static void mailtoken_transaction_rollback(struct mailbox_transaction_context *t)
{
	union mailbox_module_context *mbox = MAILTOKEN_STORAGE_CONTEXT_REQUIRE(t->box);
	struct mailtoken_transaction *mt = MAILTOKEN_STORAGE_CONTEXT_REQUIRE(t);

	i_free(mt);
	mbox->super.transaction_rollback(t);
}

static void mailtoken_refuse_mail_write(struct mail *mail)
{
	struct mailtoken_transaction *mt =
		MAILTOKEN_STORAGE_CONTEXT_REQUIRE(mail->transaction);

	mt->write_refused = TRUE;
}

static void
mailtoken_mail_update_flags(struct mail *mail,
			    enum modify_type modify_type ATTR_UNUSED,
			    enum mail_flags flags ATTR_UNUSED)
{
	mailtoken_refuse_mail_write(mail);
}

static void
mailtoken_mail_update_keywords(struct mail *mail,
			       enum modify_type modify_type ATTR_UNUSED,
			       struct mail_keywords *keywords ATTR_UNUSED)
{
	mailtoken_refuse_mail_write(mail);
}

static void mailtoken_mail_expunge(struct mail *mail)
{
	mailtoken_refuse_mail_write(mail);
}

static void mailtoken_mail_allocated(struct mail *_mail)
{
	struct mail_private *mail = (struct mail_private *)_mail;
	struct mail_vfuncs *v = mail->vlast;
	union mail_module_context *mmail;

	if (mailtoken_user_of(_mail->box->storage) == NULL)
		return;

	mmail = p_new(mail->pool, union mail_module_context, 1);
	mmail->super = *v;
	mail->vlast = &mmail->super;

	v->update_flags = mailtoken_mail_update_flags;
	v->update_keywords = mailtoken_mail_update_keywords;
	v->expunge = mailtoken_mail_expunge;
	MODULE_CONTEXT_SET_SELF(mail, mailtoken_mail_module, mmail);
}

static void mailtoken_mailbox_allocated(struct mailbox *box)
{
	struct mailbox_vfuncs *v = box->vlast;
	union mailbox_module_context *mbox;

	if (mailtoken_user_of(box->storage) == NULL)
		return;

	mbox = p_new(box->pool, union mailbox_module_context, 1);
	mbox->super = *v;
	box->vlast = &mbox->super;

	v->is_readonly = mailtoken_is_readonly;
	v->create_box = mailtoken_create_box;
	v->update_box = mailtoken_update_box;
	v->delete_box = mailtoken_delete_box;
	v->rename_box = mailtoken_rename_box;
	v->set_subscribed = mailtoken_set_subscribed;
	v->attribute_set = mailtoken_attribute_set;
	v->save_begin = mailtoken_save_begin;
	v->copy = mailtoken_copy;
	v->transaction_begin = mailtoken_transaction_begin;
	v->transaction_commit = mailtoken_transaction_commit;
	v->transaction_rollback = mailtoken_transaction_rollback;
	MODULE_CONTEXT_SET_SELF(box, mailtoken_storage_module, mbox);
}

static void mailtoken_mail_user_created(struct mail_user *user)
{
	const char *access = mail_user_plugin_getenv(user, MAILTOKEN_SETTING_ACCESS);
	struct mailtoken_user *muser;

	if (access == NULL || strcmp(access, MAILTOKEN_ACCESS_READ_WRITE) == 0)
		return;

	muser = p_new(user->pool, struct mailtoken_user, 1);
	if (strcmp(access, MAILTOKEN_ACCESS_READ_ONLY) == 0) {
		muser->access = MAILTOKEN_SESSION_READ_ONLY;
	} else {
		/* Refuse the session; the context stays as a second line of defence should a
		   caller go on regardless: every mailbox is then read-only too. */
		muser->access = MAILTOKEN_SESSION_INVALID;
		i_error("mailtoken: unknown %s value '%s' for user %s: session refused",
			MAILTOKEN_SETTING_ACCESS, str_sanitize(access, 32),
			user->username);
		user->error = p_strdup_printf(user->pool,
			"mailtoken: invalid %s setting", MAILTOKEN_SETTING_ACCESS);
	}
	MODULE_CONTEXT_SET(user, mailtoken_user_module, muser);
}

static struct mail_storage_hooks mailtoken_mail_storage_hooks = {
	.mail_user_created = mailtoken_mail_user_created,
	.mailbox_allocated = mailtoken_mailbox_allocated,
	.mail_allocated = mailtoken_mail_allocated,
};

void mailtoken_plugin_init(struct module *module)
{
	mail_storage_hooks_add(module, &mailtoken_mail_storage_hooks);
}

void mailtoken_plugin_deinit(void)
{
	mail_storage_hooks_remove(&mailtoken_mail_storage_hooks);
}
