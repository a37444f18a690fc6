"""What every response carries, and the signatures the application checks.

- Headers: a Content-Security-Policy that allows no inline script and no other origin,
  ``Cache-Control: no-store`` (every page holds personal data), no referrer (a link's token
  never leaves in one), no framing, no type sniffing.
- The secret that signs cookies and form tokens: ``BILAN_WEB_SECRET``, or a random one kept in
  the private data folder (0600), the same for every worker of one machine.
- Cookies: ``HttpOnly``, ``SameSite=Strict``, ``Secure`` when the request came over HTTPS.
- Form tokens (CSRF): an HMAC of what the form acts on, under the secret; compared in constant
  time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Any

CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self';"
       " img-src 'self' data:;"
       " form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

HEADERS = {
    "content-security-policy": CSP,
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
}

SECRET_FILE = "web-secret"


def secret() -> bytes:
    """The application's signing secret (32 bytes or more)."""
    given = os.environ.get("BILAN_WEB_SECRET", "")
    if given:
        if len(given) < 32:
            from bilan_core.errors import UsageError
            from bilan_core.i18n import _

            raise UsageError(_("BILAN_WEB_SECRET: give at least 32 characters (a random value,"
                               " the same for every worker)"))
        return given.encode()
    from bilan_core.files import private_dir

    path = private_dir("web") / SECRET_FILE
    if path.is_file():
        return path.read_bytes()
    value = secrets.token_hex(32).encode()  # the first worker of this machine makes it
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as file:
        file.write(value)
    return value


def form_token(key: bytes, *parts: str) -> str:
    """The CSRF token of a form acting on ``parts`` (a session, an invitation, a page)."""
    return hmac.new(key, "\x1f".join(("form", *parts)).encode(), hashlib.sha256).hexdigest()


def valid_form_token(key: bytes, given: Any, *parts: str) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given, form_token(key, *parts))


def add_headers(headers: Any) -> None:
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
