"""`newsletter bounces process`: bounces, complaints and mailed unsubscribes into newsletter.db.

sources.py reads messages from an mbox, a Maildir or an IMAP mailbox over TLS;
reports.py tells what each message is (RFC 3464 DSN, a provider's own bounce
format, RFC 5965 ARF complaint, a mailed unsubscribe) without touching the
database; intake.py matches each to a subscriber and records the outcome,
once per Message-ID.
"""
