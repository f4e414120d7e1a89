"""bench/profile_send_postgres.py's split of the server's CPU by connection (`--roles`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from newsletter.send.claim_statements import CLAIM
from newsletter.send.disk_fence import FENCE
from newsletter.send.outcome_committer import RECORD_MANY, RECORD_ONE, fenced
from newsletter.send.sender_lease import RENEW

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture
def profile(monkeypatch):
    """bench/profile_send_postgres.py imported as a module (bench/ is not a package)."""
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location(
        "profile_send_postgres", BENCH / "profile_send_postgres.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    already = set(sys.modules)
    monkeypatch.setitem(sys.modules, "profile_send_postgres", module)  # for its dataclass
    spec.loader.exec_module(module)
    yield module
    for sibling in {"bench_send", "bench_send_postgres", "probe"} - already:
        sys.modules.pop(sibling, None)  # bench/'s modules, imported by it: not left behind


def as_sent(statement: str) -> str:
    """A statement as pg_stat_activity shows it: psycopg's placeholders numbered."""
    for n in range(1, 20):
        statement = statement.replace("%s", f"${n}", 1)
    return statement


def test_each_connection_of_a_send_is_named_by_the_statement_it_runs(profile):
    """The outcome writers, the claims' connection (its claims and fences) and the lease's are
    told apart by the send's own statements, so a changed statement cannot move its CPU into
    "other statements" unnoticed; what is not a client backend keeps its type."""
    backend = "client backend"
    for record in (fenced(RECORD_ONE), fenced(RECORD_MANY)):
        assert profile.role(backend, as_sent(record)) == "outcome statements"
    assert profile.role(backend, as_sent(CLAIM)) == "claims (and their fences)"
    assert profile.role(backend, as_sent(FENCE)) == "claims (and their fences)"
    assert profile.role(backend, as_sent(RENEW)) == "the lease"
    assert profile.role(backend, "SELECT now()") == "other statements"
    assert profile.role("walwriter", "") == "walwriter"
