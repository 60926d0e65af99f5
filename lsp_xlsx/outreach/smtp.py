"""An SMTP client that a hostile or broken server cannot hold hostage.

:mod:`smtplib` reads each reply line with a cap, but keeps adding lines to a multi-line
reply for as long as the server sends them (a greeting or EHLO reply that never ends
grows memory without limit), and its socket timeout is per read, so a server that sends
one byte every ten seconds keeps it waiting for ever. :class:`BoundedSMTP` reads replies
itself, from the socket, with a cap on line length, lines and bytes per reply, and checks
an overall deadline before every read and send. Exceeding a limit closes the connection
and raises :class:`ReplyTooLarge` or :class:`DeadlineExceeded`.

It also notes when a message's content has been handed to the server: a connection lost
after that point may or may not have delivered it, so the outcome is "uncertain".
"""

from __future__ import annotations

import smtplib
import socket
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Buffer

#: RFC 5321 allows 512 octets per reply line; real servers stay well inside this.
MAX_REPLY_LINE = 2048
#: An EHLO reply lists a few extensions; 100 lines is far beyond any real server.
MAX_REPLY_LINES = 100
MAX_REPLY_BYTES = 65_536
#: The default wall-clock limit for one message (connecting, or one message's commands).
DEFAULT_DEADLINE = 120.0


class ReplyTooLarge(smtplib.SMTPException):
    """The server's reply passed a line, line-count or size limit."""


class DeadlineExceeded(TimeoutError):
    """The server did not finish within the deadline."""


class _Bounded:
    """The bounded reading and the deadline, shared by the plain and the SSL client."""

    sock: socket.socket | None
    body_sent = False
    deadline_seconds = DEFAULT_DEADLINE

    def start_deadline(self, seconds: float | None = None) -> None:
        """Start the clock: everything until the next call must finish within ``seconds``."""
        if seconds is not None:
            self.deadline_seconds = seconds
        self._deadline = time.monotonic() + self.deadline_seconds

    def _remaining(self) -> float:
        left = getattr(self, "_deadline", time.monotonic() + self.deadline_seconds)
        left -= time.monotonic()
        if left <= 0:
            self.close()
            raise DeadlineExceeded(
                f"the server did not finish within {self.deadline_seconds:g} seconds"
            )
        return left

    def close(self) -> None:  # provided by smtplib.SMTP
        super().close()  # type: ignore[misc]

    def _readline(self) -> bytes:
        """One reply line (with its line end), or b'' at end of file."""
        if getattr(self, "_rsock", None) is not self.sock:
            # A new socket (after STARTTLS): nothing read before it may be trusted.
            self._rsock, self._rbuf = self.sock, b""
        while True:
            end = self._rbuf.find(b"\n")
            if end >= 0:
                line, self._rbuf = self._rbuf[: end + 1], self._rbuf[end + 1 :]
                return line
            if len(self._rbuf) > MAX_REPLY_LINE:
                self.close()
                raise ReplyTooLarge(f"a reply line longer than {MAX_REPLY_LINE:,} bytes")
            if self.sock is None:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self.sock.settimeout(self._remaining())
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                self._remaining()  # raises DeadlineExceeded when that is why
                raise
            if not chunk:
                line, self._rbuf = self._rbuf, b""
                return line
            self._rbuf += chunk

    def getreply(self) -> tuple[int, bytes]:
        """Read one reply as smtplib does, within the limits and the deadline."""
        lines: list[bytes] = []
        total = 0
        errcode = -1
        while True:
            try:
                line = self._readline()
            except OSError as exc:
                self.close()
                if isinstance(exc, DeadlineExceeded):
                    raise
                raise smtplib.SMTPServerDisconnected(
                    f"Connection unexpectedly closed: {exc}"
                ) from None
            if not line:
                self.close()
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            total += len(line)
            if total > MAX_REPLY_BYTES or len(lines) >= MAX_REPLY_LINES:
                self.close()
                raise ReplyTooLarge(
                    f"a reply of more than {MAX_REPLY_LINES} lines or {MAX_REPLY_BYTES:,} bytes"
                )
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                errcode = int(line[:3])
            except ValueError:
                errcode = -1
                break
            if line[3:4] != b"-":
                break
        return errcode, b"\n".join(lines)

    def send(self, s: Buffer | str) -> None:
        """Send within the deadline; note when the end of a message's data goes."""
        if self.sock is not None:
            self.sock.settimeout(self._remaining())
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.body_sent = True  # before the bytes go: a partial send is uncertain too
        super().send(s)  # type: ignore[misc]


class BoundedSMTP(_Bounded, smtplib.SMTP):
    """smtplib.SMTP with bounded replies and an overall deadline."""

    def __init__(self, host: str, port: int, timeout: float, deadline: float) -> None:
        self.start_deadline(deadline)
        super().__init__(host, port, timeout=min(timeout, deadline))


class BoundedSMTPSSL(_Bounded, smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL with bounded replies and an overall deadline."""

    def __init__(self, host: str, port: int, timeout: float, deadline: float, **kw: Any) -> None:
        self.start_deadline(deadline)
        super().__init__(host, port, timeout=min(timeout, deadline), **kw)
