"""Fixtures for the sender's tests: a real SMTP server, test certificates, a built issue.

Test modules load them with `pytest_plugins = ["tests.support.send_fixtures"]`.
"""

from __future__ import annotations

import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.config import load_settings
from tests.support.send_workspace import Workspace, build_sample_issue
from tests.support.smtp_server import Server, smtp_server


@pytest.fixture
def smtpd() -> Iterator[Server]:
    """A plain SMTP server (no TLS, no AUTH) that records what it accepts."""
    with smtp_server() as s:
        yield s


@pytest.fixture(scope="session")
def certificate_authority():
    """A certificate authority made for the tests, and a server certificate for 127.0.0.1."""
    import trustme

    ca = trustme.CA()
    return ca, ca.issue_cert("127.0.0.1", "localhost")


@pytest.fixture
def tls_contexts(certificate_authority) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context with the test certificate, client context trusting the test CA)."""
    ca, cert = certificate_authority
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


@pytest.fixture(scope="session")
def built_workspace(tmp_path_factory) -> Path:
    """A workspace with the sample issue built, made once per session; copy it, do not change it."""
    root = tmp_path_factory.mktemp("built")
    build_sample_issue(root)
    return root


@pytest.fixture
def send_ws(built_workspace, tmp_path, monkeypatch) -> Workspace:
    """A fresh copy of the built workspace, with a signing secret for unsubscribe tokens."""
    root = tmp_path / "ws"
    shutil.copytree(built_workspace, root)
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD", raising=False)
    settings, _ = load_settings(root)
    return Workspace(root, settings)
