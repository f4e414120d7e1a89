"""A real IMAP server for the bounce tests: Debian's Dovecot, over TLS, on 127.0.0.1.

`dovecot_server(tmp)` writes a temporary configuration (one user, a Maildir,
a certificate from the tests' own CA), starts `dovecot -F` on a free port and
stops it afterwards.  Without /usr/sbin/dovecot the tests skip, unless
NEWSLETTER_REQUIRE_DOVECOT=1 (CI installs it), when they fail.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.smtp_server import free_port

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "bounces@example.org", "imap test password"


@dataclass(frozen=True)
class Imap:
    """A running Dovecot: where it listens, its CA certificate, and a way to fill its INBOX."""

    host: str
    port: int
    ca_file: Path
    root: Path

    @property
    def url(self) -> str:
        return f"imaps://{USER}@{self.host}:{self.port}/INBOX"

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver messages into a folder, as the mail server would."""
        client = self.client()
        try:
            for data in messages:
                status, _ = client.append(folder, None, None, data)
                assert status == "OK"
        finally:
            client.logout()

    def folder_flags(self, folder: str = "INBOX") -> list[str]:
        """Each message's flags in a folder, in order."""
        client = self.client()
        try:
            status, data = client.select(folder)
            if status != "OK" or data[0] == b"0":
                return []
            _, fetched = client.fetch("1:*", "(FLAGS)")
            return [item.decode() for item in fetched if item]
        finally:
            client.logout()


def require_dovecot() -> None:
    """Skip (fail when NEWSLETTER_REQUIRE_DOVECOT=1) without Debian's dovecot-imapd."""
    if DOVECOT.exists():
        return
    message = f"{DOVECOT} is missing (apt-get install dovecot-imapd)"
    if os.environ.get("NEWSLETTER_REQUIRE_DOVECOT") == "1":
        pytest.fail(f"IMAP tests required but {message}")
    pytest.skip(message)


@contextlib.contextmanager
def dovecot_server(certificate_authority, capabilities: str = "") -> Iterator[Imap]:
    """Run Dovecot with a configuration of its own in a temporary folder, for the block;
    `capabilities` replaces what it announces (an older server's: no MOVE, no UIDPLUS)."""
    require_dovecot()
    ca, cert = certificate_authority
    # Not under pytest's tmp_path (mode 0700): Dovecot's auth process runs as its own user.
    root = Path(tempfile.mkdtemp(prefix="newsletter-dovecot-"))
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(exist_ok=True)
    cert.private_key_pem.write_to_path(str(root / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    ca.cert_pem.write_to_path(str(root / "ca.pem"))
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    # Dovecot refuses to run mail processes as root: as root, use nobody (and give it the mail).
    uid, gid = (65534, 65534) if os.getuid() == 0 else (os.getuid(), os.getgid())
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid)
    os.chmod(root, 0o755)
    port = free_port()
    extra = "" if os.getuid() == 0 else f"default_login_user = {os.environ.get('USER', 'nobody')}\n"
    if capabilities:
        extra += f"imap_capability = {capabilities}\n"
    (root / "dovecot.conf").write_text(
        f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%n
{extra}passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""
    )
    (root / "passwd").chmod(0o644)
    output = (root / "dovecot.out").open("wb")
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    server = Imap("127.0.0.1", port, root / "ca.pem", root)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error):
                if process.poll() is not None or time.monotonic() > deadline:
                    log = root / "dovecot.log"
                    pytest.fail(f"dovecot did not start: {log.read_text() if log.exists() else ''}")
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()
        shutil.rmtree(root, ignore_errors=True)
