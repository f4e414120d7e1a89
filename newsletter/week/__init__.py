"""The editor's week on a schedule: `newsletter run` for cron or a systemd timer (issue 19).

lock.py   one run at a time per workspace (an OS file lock, released even by kill -9)
run.py    run_week: build, check, review copies, wait for approval, send, archive; each step
          recorded in the issue folder (issue/run_state.py), so a re-run does only what is left
"""
