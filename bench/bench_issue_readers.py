"""Benchmark: reading a built issue back, the build's own shape against the standard parsers.

    .venv/bin/python bench/bench_issue_readers.py [--issues 200] [--runs 20]

What the fast readers of the issue folder save, each against the standard library's parser
of the same format (docs/architecture.md, "One reader per format"):

- merge.eml: `parse_message_template` + `MessageTemplate.bodies` (what `send` and the
  archive read) against the email package, per issue and for an archive's first run;
- message.eml: `read_built_message` (what `check` and the send gate read) against the email
  package, with the package's import cost measured in a fresh process;
- the earlier issues' manifests for memory across issues: `read_past_issues` (the line
  scanner for the build's own shape) against `tomllib` on every manifest.

Times are the median of --runs, in-process unless said, on the sample issue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """The median wall time of `fn`, in ms, after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def built_sample() -> Path:
    """A workspace with the sample issue built."""
    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.config import load_settings

    folder = Path(tempfile.mkdtemp(prefix="nl-bench-readers-"))
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    settings, _ = load_settings(folder)
    build([str(folder / "seeds")], settings, AssembleOptions(today=dt.date(2026, 11, 26)))
    return folder


def emails(folder: Path, runs: int, issues: int) -> dict[str, float]:
    """merge.eml and message.eml: the fast readers against the email package."""
    from email import policy
    from email.parser import BytesParser

    from newsletter.mail.template import parse_message_template, read_built_message

    issue = folder / "issues" / "2026-W48"
    merge, message = (issue / "merge.eml").read_bytes(), (issue / "message.eml").read_bytes()

    def standard(raw: bytes) -> None:
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        for kind in ("plain", "html"):
            part = parsed.get_body((kind,))
            assert part is not None
            part.get_content()

    fast_merge = median_ms(lambda: parse_message_template(merge).bodies(), runs)
    std_merge = median_ms(lambda: standard(merge), runs)
    fast_message = median_ms(lambda: read_built_message(message), runs)
    std_message = median_ms(lambda: standard(message), runs)
    # The parser's import on top of what a send already loads (email.utils, email.header).
    probe = (
        "import time, email.utils, email.header\n"
        "t = time.perf_counter(); import email.parser, email.policy\n"
        "print((time.perf_counter() - t) * 1e3)"
    )
    imports_ms = statistics.median(
        float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout)
        for _ in range(5)
    )
    return {
        "merge_fast_ms": fast_merge,
        "merge_std_ms": std_merge,
        "archive_fast_s": fast_merge * issues / 1e3,
        "archive_std_s": std_merge * issues / 1e3,
        "message_fast_ms": fast_message,
        "message_std_ms": std_message,
        "email_package_import_ms": imports_ms,
    }


def manifests(folder: Path, runs: int, issues: int) -> dict[str, float]:
    """`issues` earlier manifests: the line scanner against tomllib on each."""
    import tomllib

    from newsletter.issue.past_issues import _past_issue, read_past_issues

    sample = (folder / "issues" / "2026-W48" / "issue.toml").read_text("utf-8")
    past = folder / "past"
    for k in range(issues):
        day = dt.date(2026, 11, 26) - dt.timedelta(days=7 * (k + 1))
        text = sample.replace('id = "2026-W48"', f'id = "past-{k:04d}"', 1)
        text = text.replace("date = 2026-11-26", f"date = {day.isoformat()}", 1)
        (past / f"past-{k:04d}").mkdir(parents=True)
        (past / f"past-{k:04d}" / "issue.toml").write_text(text, "utf-8")
    files = sorted(past.glob("*/issue.toml"))
    texts = [(p, p.read_text("utf-8")) for p in files]
    today = dt.date(2026, 11, 26)
    assert len(read_past_issues(past, today)) == issues
    scanner = median_ms(lambda: read_past_issues(past, today), runs)
    toml_only = median_ms(lambda: [_past_issue(p, t) for p, t in texts], runs)
    parse_only = median_ms(lambda: [tomllib.loads(t) for _, t in texts], runs)
    return {"scanner_ms": scanner, "tomllib_ms": toml_only, "tomllib_parse_only_ms": parse_only}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = built_sample()
    try:
        e = emails(folder, args.runs, args.issues)
        m = manifests(folder, args.runs, args.issues)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"merge.eml    fast {e['merge_fast_ms']:.3f} ms  email package {e['merge_std_ms']:.3f} ms"
        f"  (an archive's first run over {args.issues} issues: {e['archive_fast_s']:.2f} s"
        f" against {e['archive_std_s']:.2f} s)"
    )
    print(
        f"message.eml  fast {e['message_fast_ms']:.3f} ms  email package "
        f"{e['message_std_ms']:.3f} ms + {e['email_package_import_ms']:.1f} ms to import it"
    )
    print(
        f"manifests    {args.issues} earlier issues: scanner {m['scanner_ms']:.1f} ms  "
        f"tomllib {m['tomllib_ms']:.1f} ms (parse alone {m['tomllib_parse_only_ms']:.1f} ms)"
    )


if __name__ == "__main__":
    main()
