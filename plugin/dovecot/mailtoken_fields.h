/* Names and values the mailtoken passdb hands to the mail session through userdb fields.
 *
 * The passdb sets `userdb_mailtoken_access=read-only|read-write` (plus the token id and the
 * scopes, for logs and other plugins); Dovecot turns unknown userdb fields into plugin
 * settings, which the mail and IMAP plugins read with mail_user_plugin_getenv(). This header
 * is the whole contract between the three modules, so the mail plugins need neither the core
 * library nor each other's symbols.
 */
#ifndef MAILTOKEN_DOVECOT_FIELDS_H
#define MAILTOKEN_DOVECOT_FIELDS_H

#define MAILTOKEN_SETTING_ACCESS "mailtoken_access"
#define MAILTOKEN_SETTING_TOKEN_ID "mailtoken_token_id"
#define MAILTOKEN_SETTING_SCOPES "mailtoken_scopes"

#define MAILTOKEN_ACCESS_READ_ONLY "read-only"
#define MAILTOKEN_ACCESS_READ_WRITE "read-write"

/* What a client sees when a read-only token tries to write. */
#define MAILTOKEN_READ_ONLY_ERROR "This API token is read-only"

#endif
