"""The welcome email: once per reader, after a confirmed sign-up (issue 19, docs/audience.md).

compose.py    what it says (who writes, how often, the latest issue) and its message
delivery.py   queued by the confirmation, sent through the delivery journal by `serve` at
              once or by the next `newsletter run`; Welcomer, serve's thread for it
locks.py      one sender at a time: a file lock beside a SQLite file, or (server_lock.py)
              an advisory lock on a PostgreSQL server
"""
