"""``bilan serve``: the web application where beneficiaries answer their questionnaires."""

from __future__ import annotations

import os

import click

from bilan_core.cli import note_line, state, warning_line
from bilan_core.i18n import _

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@click.command("serve", help=_(
    "Serve the web application where beneficiaries answer their questionnaires, opened by"
    " the links of 'bilan invite'. It listens on 127.0.0.1 unless told otherwise: put it"
    " behind a reverse proxy with TLS to reach it from elsewhere (docs/web.md)."))
@click.option("--host", default="127.0.0.1", show_default=True,
              help=_("The address to listen on."))
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help=_("The port to listen on."))
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help=_("Worker processes (they share nothing but the store: use PostgreSQL"
                     " for several)."))
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              metavar="ADDRESSES",
              help=_("The reverse proxies whose X-Forwarded-For is believed (comma-separated"
                     " addresses); the limits count the client's address it gives."))
@click.option("--templates", type=click.Path(file_okay=False), metavar="FOLDER",
              help=_("The provider's pipeline templates, offered for new dossiers (also"
                     " BILAN_TEMPLATES)."))
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              envvar="BILAN_WEB_LANGUAGE",
              help=_("The language of the pages, through the message catalog (also"
                     " BILAN_WEB_LANGUAGE)."))
def serve_command(host: str, port: int, workers: int, forwarded_allow_ips: str,
                  templates: str | None, language: str) -> None:
    import uvicorn

    from bilan_core.store.core import Store
    from bilan_core.web.security import secret

    current = state()
    if templates:
        os.environ["BILAN_TEMPLATES"] = os.path.abspath(templates)
    os.environ["BILAN_WEB_LANGUAGE"] = language  # the workers' pages speak it
    if current.store_url:  # the workers open the store the command line names
        os.environ["BILAN_STORE"] = current.store_url
    from bilan_core.errors import UsageError

    store = Store.open(current.store_url)  # a store that cannot be used: said now, once
    try:
        if store.actor.role != "owner":
            raise UsageError(_("the web application uses the store as its owner, not as the"
                               " account {name!r}: unset BILAN_USER, or connect as the"
                               " store's owner").format(name=store.actor.name))
    finally:
        store.close()
    secret()  # the signing secret shared by the workers, made now if needed
    if host not in LOOPBACK:
        warning_line(_("listening on {host}: reach it only through a reverse proxy with TLS"
                       " (docs/web.md)").format(host=host))
    note_line(_("serving on http://{host}:{port}/ ({workers} worker(s)); Ctrl-C stops").format(
        host=host if ":" not in host else f"[{host}]", port=port, workers=workers))
    # No access log: the first request of a beneficiary holds the invitation's token.
    uvicorn.run("bilan_core.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, access_log=False, log_level="warning",
                proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                server_header=False, date_header=False)
