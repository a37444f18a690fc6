"""Sending the feedback links by email, through the SMTP server the provider configured
(``bilan provider set --smtp-host ...``; the password in ``BILAN_SMTP_PASSWORD``).

Optional: without a server configured, the links are listed for the counsellor to send.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from bilan_core.errors import RunError, UsageError
from bilan_core.i18n import _

#: How the connection is secured: STARTTLS, TLS from the start, or not at all (a relay on
#: the same machine).
SECURITY = ("starttls", "ssl", "none")
TIMEOUT = 20.0


def configured(provider: Mapping[str, Any]) -> bool:
    """Whether the provider set an SMTP server."""
    return bool(provider.get("smtp_host"))


def send(provider: Mapping[str, Any], to: str, subject: str, body: str) -> None:
    """Send one plain-text message; a located error when the server refuses it."""
    import smtplib
    import ssl

    if not configured(provider) or not provider.get("smtp_from"):
        raise UsageError(_("no SMTP server is configured: set it with 'bilan provider set"
                           " --smtp-host HOST --smtp-from ADDRESS'"))
    host = str(provider["smtp_host"])
    security = str(provider.get("smtp_security") or "starttls")
    port = int(provider.get("smtp_port") or (465 if security == "ssl" else 587))
    message = EmailMessage()
    message["From"] = str(provider["smtp_from"])
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            user = provider.get("smtp_user")
            if user:
                client.login(str(user), os.environ.get("BILAN_SMTP_PASSWORD", ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise RunError(_("{host}:{port}: the SMTP server did not take the message to {to}:"
                         " {reason}").format(host=host, port=port, to=to,
                                             reason=exc)) from exc
