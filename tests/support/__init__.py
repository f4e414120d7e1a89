"""Test helpers shared by the tests and bench/: real servers (SMTP, Dovecot, links), the
workspaces they run in, fixtures, bounce messages and the labelled ranking set."""
