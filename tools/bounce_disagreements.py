"""List each recipient of tests/data/bounces/ where our reading differs from Sisimai's label.

    .venv/bin/python tools/bounce_disagreements.py [FOLDER...]

One line per disagreement: Sisimai's kind and reason, the file, the address, then our kind,
status and reason (or the recipients we found instead). docs/audience.md groups them by cause.
Last, the agreement per kind, for the files whose names sort in the first half of the corpus
and the second (a rule is judged on the first half, then confirmed on the second).
Other folders holding .eml files and a labels.tsv made by tools/label_bounces.pl (for
example set-of-emails' maildir/dos and maildir/mac, never used to write a rule) can be
named instead of tests/data/bounces/.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.bounces.reports import read_report

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "bounces"


def main() -> None:
    """Print the disagreements, sorted by Sisimai's kind and reason, then the totals per half."""
    lines = []
    folders = [Path(arg) for arg in sys.argv[1:]] or [CORPUS]
    rows = [
        [str(folder / row.split("\t")[0]), *row.split("\t")[1:]]
        for folder in folders
        for row in (folder / "labels.tsv").read_text().splitlines()
        if not row.startswith(("#", "file\t"))
    ]
    files = sorted({row[0] for row in rows})
    first_half = set(files[: len(files) // 2])
    total: Counter[tuple[str, str]] = Counter()
    agree: Counter[tuple[str, str]] = Counter()
    for name, address, reason, kind, _feedback in rows:
        report = read_report(Path(name).read_bytes())
        half = "first" if name in first_half else "second"
        name = Path(name).name if folders == [CORPUS] else name
        ours = {f.recipient: f for f in report.failures}
        found = ours.get(address)
        got = found.kind if found else ""
        wrong = {"hard": got != "hard", "soft": got == "hard", "complaint": got != "complaint"}
        total[half, kind] += 1
        if not wrong.get(kind, got in ("hard", "complaint")):
            agree[half, kind] += 1
            continue
        said = f"{found.status}\t{found.reason}" if found else f"found {sorted(ours)[:3]}"
        lines.append(f"{kind}\t{reason}\t{name}\t{address}\tgot={got}\t{said}")
    print("\n".join(sorted(lines)))
    print(f"{len(lines)} disagreements", file=sys.stderr)
    for half in ("first", "second"):
        counts = ", ".join(
            f"{kind} {agree[half, kind]}/{total[half, kind]}"
            for kind in ("hard", "soft", "complaint")
        )
        print(f"{half} half: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
