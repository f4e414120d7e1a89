"""List each recipient of tests/data/bounces/ where our reading differs from Sisimai's label.

    .venv/bin/python tools/bounce_disagreements.py

One line per disagreement: Sisimai's kind and reason, the file, the address, then our kind,
status and reason (or the recipients we found instead). docs/audience.md groups them by cause.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.bounces.reports import read_report

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "bounces"


def main() -> None:
    """Print the disagreements, sorted by Sisimai's kind and reason."""
    lines = []
    for row in (CORPUS / "labels.tsv").read_text().splitlines():
        if row.startswith(("#", "file\t")):
            continue
        name, address, reason, kind, _feedback = row.split("\t")
        report = read_report((CORPUS / name).read_bytes())
        ours = {f.recipient: f for f in report.failures}
        found = ours.get(address)
        got = found.kind if found else ""
        wrong = {"hard": got != "hard", "soft": got == "hard", "complaint": got != "complaint"}
        if not wrong.get(kind, got in ("hard", "complaint")):
            continue
        said = f"{found.status}\t{found.reason}" if found else f"found {sorted(ours)[:3]}"
        lines.append(f"{kind}\t{reason}\t{name}\t{address}\tgot={got}\t{said}")
    print("\n".join(sorted(lines)))
    print(f"{len(lines)} disagreements", file=sys.stderr)


if __name__ == "__main__":
    main()
