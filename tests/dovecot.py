"""A real Dovecot IMAP server on loopback, with a private configuration, for collect's tests.

Dovecot refuses to keep mail as root, so the mail is kept by an unprivileged system user
(``lspmail``), made here when missing. Its files live in a folder of their own under /tmp
(pytest's tmp_path is readable by root only, which the mail user is not). The server runs
in the foreground (``dovecot -F``) and is stopped when the test ends.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
MAIL_USER = "lspmail"
USER, PASSWORD = "coordinator", "s3cret-for-tests"


def require_dovecot() -> str:
    """The dovecot path; skip when missing, but fail in CI, where a skip would hide a gap."""
    if DOVECOT and os.geteuid() == 0:
        return DOVECOT
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            "dovecot is not installed (or not run as root), and CI=true: .ci/run must install dovecot-imapd"
        )
    pytest.skip("Dovecot is not installed; apt-get install dovecot-imapd (and run as root)")


def _mail_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", MAIL_USER],
            check=False,
            capture_output=True,
        )
        return pwd.getpwnam(MAIL_USER)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
last_valid_uid = {uid}
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """A running server: where it listens, and a way to load mail into it."""

    port: int
    root: Path
    #: The port of IMAP over TLS (0 when started without TLS), and the certificate it shows.
    ssl_port: int = 0
    cert: Path | None = None
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    def client(self) -> imaplib.IMAP4:
        """A logged-in imaplib client, for loading mail as a partner's server would."""
        imap = imaplib.IMAP4(self.host, self.port)
        imap.login(self.user, self.password)
        return imap

    def append(self, folder: str, messages: list[bytes], arrived: str | None = None) -> None:
        """Put messages into ``folder`` (made when missing) by IMAP APPEND, unread;
        ``arrived`` ('"01-Nov-2026 09:00:00 +0000"'; a date in the past: Dovecot ignores one to come) sets the date the server received them."""
        imap = self.client()
        try:
            imap.create(folder)
            for raw in messages:
                status, _ = imap.append(folder, None, arrived, raw)
                assert status == "OK", status
        finally:
            imap.logout()

    def recreate(self, folder: str) -> None:
        """Delete and create ``folder`` again: it gets a new UIDVALIDITY, as after a rebuild."""
        imap = self.client()
        try:
            assert imap.delete(folder)[0] == "OK"
            assert imap.create(folder)[0] == "OK"
        finally:
            imap.logout()

    def count(self, folder: str) -> int:
        """How many messages ``folder`` holds (0 when it does not exist)."""
        imap = self.client()
        try:
            status, data = imap.select(folder, readonly=True)
            return int(data[0] or 0) if status == "OK" else 0
        finally:
            imap.logout()

    def flags(self, folder: str) -> list[str]:
        """Each message's flags in ``folder``, in UID order."""
        imap = self.client()
        try:
            imap.select(folder, readonly=True)
            _, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            return [d.decode() if isinstance(d, bytes) else str(d) for d in data if d]
        finally:
            imap.logout()


@contextmanager
def dovecot_server(tls: bool = False) -> Iterator[Dovecot]:
    """Start Dovecot on a free loopback port; stop it and remove its files afterwards.

    With ``tls``, it also listens for IMAP over TLS, with a self-signed certificate for
    127.0.0.1 made here by openssl.
    """
    binary = require_dovecot()
    user = _mail_user()
    root = Path(tempfile.mkdtemp(prefix="lsp-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", user.pw_uid, user.pw_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    port = _free_port()
    ssl_port = _free_port() if tls else 0
    cert = _self_signed(root) if tls else None
    ssl_files = f"ssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem" if tls else ""
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            uid=user.pw_uid,
            gid=user.pw_gid,
            port=port,
            ssl="yes" if tls else "no",
            ssl_files=ssl_files,
            ssl_port=ssl_port,
        ),
        encoding="utf-8",
    )
    with (root / "stderr.log").open("wb") as errors:
        process = subprocess.Popen(
            [binary, "-F", "-c", str(config)], stdout=errors, stderr=subprocess.STDOUT
        )
    try:
        _wait(port, process, root)
        yield Dovecot(port, root, ssl_port=ssl_port, cert=cert)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _self_signed(root: Path) -> Path:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(root / "key.pem"),
            "-out",
            str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return root / "cert.pem"


def _wait(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (
                (root / "dovecot.log").read_text(errors="replace")
                if (root / "dovecot.log").exists()
                else ""
            )
            out = (root / "stderr.log").read_text(errors="replace")
            pytest.fail(f"dovecot stopped at start: {out}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail("dovecot did not start listening within 20 seconds")
