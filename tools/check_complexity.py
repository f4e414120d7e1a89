"""Fail when any block of newsletter/ rates worse than radon's grade C (complexity over 20).

    .venv/bin/python tools/check_complexity.py [PATH ...]

Every function, method, closure and class is measured, as `radon cc` measures it. A block
over the limit is printed as `path:line: name has complexity N (grade D); split it` and the
exit code is 1. `make lint` runs it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from radon.complexity import cc_rank, cc_visit
from radon.visitors import Class, Function

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 20  # grade C's upper bound: D starts at 21

# Packages whose owners are still splitting their blocks (issue 21, part 5); the last of them
# to merge removes its line, and then this list (an empty EXCLUDED checks everything).
EXCLUDED: tuple[str, ...] = ()


def blocks(found: list[Function | Class]) -> Iterator[Function | Class]:
    """Every block with the ones nested in it: methods, closures, inner classes."""
    for block in found:
        yield block
        if isinstance(block, Class):
            yield from blocks(list(block.methods) + list(block.inner_classes))
        else:
            yield from blocks(list(block.closures))


def too_complex(path: Path) -> list[str]:
    """One line per block of `path` over the limit."""
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = cc_visit(path.read_text(encoding="utf-8"))  # methods come both alone and in classes
    over = {(b.lineno, b.fullname): b.complexity for b in blocks(found) if b.complexity > LIMIT}
    return [
        f"{shown}:{line}: {name} has complexity {n} (grade {cc_rank(n)}); split it"
        for (line, name), n in sorted(over.items())
    ]


def main(argv: list[str]) -> int:
    """Check the given files or folders (default: newsletter/); 1 if any block is over."""
    paths = [Path(a).resolve() for a in argv] or [ROOT / "newsletter"]
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py")))
    problems: list[str] = []
    for file in files:
        relative = file.relative_to(ROOT).as_posix() if file.is_relative_to(ROOT) else ""
        if not argv and relative.startswith(EXCLUDED):
            continue
        problems += too_complex(file)
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} block(s) over complexity {LIMIT} (radon grade C)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
