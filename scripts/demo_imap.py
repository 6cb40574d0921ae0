#!/usr/bin/env python3
"""IMAP client for scripts/demo.sh: shows what a mail client sees with mailtoken tokens.

Reads tokens from stdin (one per line: read-write first, then read-only), never from argv.
Each step prints the server's answer and whether it is what the token allows; the exit
status is non-zero if any answer differs. With --expect-failure it reads one token and
shows that its login is refused.
"""
import imaplib
import sys

USER = "alice"
failures = 0


def answer(imap, call, *args):
    """Runs one IMAP command and returns (status, server text) without raising on NO."""
    try:
        typ, data = getattr(imap, call)(*args)
    except imaplib.IMAP4.error as exc:
        # imaplib raises on NO with the server's text as a bytes repr: show the text.
        message = exc.args[0] if exc.args else ""
        if isinstance(message, bytes):
            message = message.decode(errors="replace")
        elif message.startswith(("b'", 'b"')):
            message = message[2:-1]
        return "NO", message
    return typ, text_of(data)


def text_of(data):
    return b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")


def flags(imap):
    typ, data = imap.fetch("1", "(FLAGS)")
    return data[0] if typ == "OK" and data and isinstance(data[0], bytes) else b"?"


def check(label, result, expected):
    global failures
    ok = result[0] == expected
    failures += 0 if ok else 1
    mark = "as expected" if ok else f"UNEXPECTED (wanted {expected})"
    print(f"  {label:<30} {result[0]:<3} {result[1][:70]:<70} {mark}")


def connect(port):
    return imaplib.IMAP4("127.0.0.1", port, timeout=20)


def read_write_session(port, token):
    print("read-write token:")
    imap = connect(port)
    check("LOGIN alice <token>", answer(imap, "login", USER, token), "OK")
    message = b"From: demo@example.org\r\nSubject: Hello from mailtoken\r\n\r\nHi Alice.\r\n"
    check("APPEND INBOX", answer(imap, "append", "INBOX", None, None, message), "OK")
    check("SELECT INBOX", answer(imap, "select", "INBOX"), "OK")
    check("STORE 1 +FLAGS (\\Flagged)", answer(imap, "store", "1", "+FLAGS", "(\\Flagged)"), "OK")
    imap.logout()


def read_only_session(port, token):
    print("read-only token:")
    imap = connect(port)
    check("LOGIN alice <token>", answer(imap, "login", USER, token), "OK")
    # A writable SELECT of a read-only mailbox: imaplib raises IMAP4.readonly when the server
    # answers OK [READ-ONLY], which is exactly what the token should get.
    try:
        typ, data = imap.select("INBOX")
        if typ == "OK":
            check("SELECT INBOX", ("OK", "read-write session!"), "OK [READ-ONLY]")
        else:
            check("SELECT INBOX", (typ, text_of(data)), "OK [READ-ONLY]")
            return
    except imaplib.IMAP4.readonly:
        check("SELECT INBOX", ("OK", "[READ-ONLY]"), "OK")
        # Go on in the read-only session: let the server, not imaplib, answer each write.
        imap.is_readonly = True
    typ, data = imap.fetch("1", "(BODY[])")
    body = data[0][1] if typ == "OK" and data and isinstance(data[0], tuple) else b""
    check("FETCH 1 (BODY[])", (typ, f"{len(body)} bytes of the message"), "OK")
    check("FETCH 1 (FLAGS): not \\Seen", ("OK" if b"\\Seen" not in flags(imap) else "NO", flags(imap).decode()), "OK")
    check("STORE 1 +FLAGS (\\Deleted)", answer(imap, "store", "1", "+FLAGS", "(\\Deleted)"), "NO")
    check("APPEND INBOX", answer(imap, "append", "INBOX", None, None, b"Subject: x\r\n\r\nx\r\n"), "NO")
    check("EXPUNGE", answer(imap, "expunge"), "NO")
    check("CREATE Archive", answer(imap, "create", "Archive"), "NO")
    imap.logout()


def main():
    port = int(sys.argv[1])
    tokens = [line.strip() for line in sys.stdin if line.strip()]
    if "--expect-failure" in sys.argv:
        imap = connect(port)
        check("LOGIN alice <revoked token>", answer(imap, "login", USER, tokens[0]), "NO")
    else:
        read_write_session(port, tokens[0])
        read_only_session(port, tokens[1])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
