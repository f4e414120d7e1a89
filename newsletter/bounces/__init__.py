"""`newsletter bounces process`: bounces, complaints and mailed unsubscribes into newsletter.db.

The data flows: source → report → intake.

- sources.py reads messages from an mbox, a Maildir or an IMAP mailbox over TLS
  (imap_client.py: every answer under a deadline and a size cap);
- reports.py tells what each message is (RFC 3464 DSN, RFC 5965 feedback
  report, a mailed unsubscribe; plain_text.py: a server's own words, Amazon SES
  JSON), within parsing bounds, without touching the database; findings.py
  holds what they find; reasons.py names each failure's reason as Sisimai does
  (sisimai_reasons.json, generated from libsisimai-perl);
- intake.py acts on a report only when the workspace key proves it answers a
  list copy we sent (mail/reader_stamp.py), and records it once per Message-ID.
"""
