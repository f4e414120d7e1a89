"""The issue folder, issues/<id>/: its layout, its manifest, its edit guard and its build record.

layout.py         the folder's files, written whole or not at all; a built issue read back
manifest.py       issue.toml: the Issue as text the editor edits, read back checked
guard.py          .manifest-hashes: what a build may overwrite, and what it must refuse
build_record.py   built-with.json: the settings a built message carries; the drift refusal
past_issues.py    the earlier issues' manifests, as memory across issues reads them
"""
