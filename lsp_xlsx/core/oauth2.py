"""OAuth2 access tokens for XOAUTH2, shared by ``collect`` (IMAP) and ``mail`` (SMTP).

A token comes from an environment variable or from a command that prints one, the way git
credential helpers work (``az account get-access-token …``, ``gcloud auth
print-access-token``). It is never printed, logged or put in an exception.
"""

from __future__ import annotations

import shlex
import subprocess

from lsp_xlsx.core.errors import LspXlsxError


def token_from_command(command: str, error: type[LspXlsxError]) -> str:
    """The access token a command prints (its first line), run without a shell.

    Its output is never shown: a failure (``error``) names the exit status only.
    """
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        reason = (str(exc).strip() or type(exc).__name__)[:300]
        raise error(f"the token command could not run: {reason}") from None
    token = (done.stdout.strip().splitlines() or [""])[0].strip()
    if done.returncode != 0 or not token:
        raise error(f"the token command exited with status {done.returncode} and printed no token")
    return token


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response, before base64: ``user=…^Aauth=Bearer …^A^A``."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"
