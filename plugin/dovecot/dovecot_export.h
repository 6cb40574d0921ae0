/* Marks the symbols Dovecot looks up in a module. Everything else is compiled with hidden
 * visibility, and each module's version script (*.map) lists exactly these names. */
#ifndef MAILTOKEN_DOVECOT_EXPORT_H
#define MAILTOKEN_DOVECOT_EXPORT_H

#define MAILTOKEN_DOVECOT_EXPORT __attribute__((visibility("default")))

#endif
