"""The issue folder, issues/<id>/: its layout, its manifest, its edit guard and its build record.

layout.py         the folder's file names, and the folder written whole or not at all
manifest.py       issue.toml: the Issue as text the editor edits, read back checked
guard.py          .manifest-hashes: what a build may overwrite, and what it must refuse
build_record.py   built-with.json: the settings a built message carries, the SHA-256 of what
                  a send goes by; the drift and changed-since-the-build refusals
built.py          BuiltIssue: the folder read back once per command, checked against its record
eml.py            message.eml read back for `check` (merge.eml is read beside its writer,
                  mail/template.py)
past_issues.py    the earlier issues' manifests, as memory across issues reads them
"""
