"""A tiny IMAP server on loopback that accepts one XOAUTH2 string, for collect's OAuth2 test.

Dovecot checks XOAUTH2 tokens only against an OAuth2 introspection service, which would
be a second server to fake; this one checks the SASL string itself, byte for byte, and
serves an empty INBOX so that collect can log in, look and leave.
"""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Seen:
    """What the server was sent: every decoded SASL string, and whether one was accepted."""

    strings: list[str] = field(default_factory=list)
    accepted: bool = False


def _handler(expected: str, seen: Seen) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def say(self, text: str) -> None:
            self.wfile.write(text.encode() + b"\r\n")

        def handle(self) -> None:
            self.say("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] test server ready")
            while line := self.rfile.readline().decode().strip():
                tag, _, rest = line.partition(" ")
                command = rest.split(" ")[0].upper()
                if command == "CAPABILITY":
                    self.say("* CAPABILITY IMAP4rev1 AUTH=XOAUTH2")
                    self.say(f"{tag} OK CAPABILITY completed")
                elif command == "AUTHENTICATE":
                    self.say("+ ")
                    answer = self.rfile.readline().strip()
                    decoded = base64.b64decode(answer).decode()
                    seen.strings.append(decoded)
                    if decoded == expected:
                        seen.accepted = True
                        self.say(f"{tag} OK AUTHENTICATE completed")
                    else:
                        self.say(f"{tag} NO [AUTHENTICATIONFAILED] invalid token")
                elif command == "SELECT":
                    self.say("* 0 EXISTS")
                    self.say("* OK [UIDVALIDITY 7] UIDs valid")
                    self.say(f"{tag} OK [READ-WRITE] SELECT completed")
                elif command == "STATUS":
                    self.say('* STATUS "INBOX" (UIDVALIDITY 7)')
                    self.say(f"{tag} OK STATUS completed")
                elif command == "UID":
                    self.say("* SEARCH")
                    self.say(f"{tag} OK SEARCH completed")
                elif command == "LOGOUT":
                    self.say("* BYE")
                    self.say(f"{tag} OK LOGOUT completed")
                    return
                else:
                    self.say(f"{tag} BAD not served here")

    return Handler


@contextmanager
def xoauth2_server(user: str, token: str) -> Iterator[tuple[int, Seen]]:
    """Serve on a free loopback port; yield the port and what the server was sent."""
    seen = Seen()
    expected = f"user={user}\x01auth=Bearer {token}\x01\x01"
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(expected, seen))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
