"""``bilan user``, ``bilan audit`` and ``bilan store``: the store's accounts, its audit trail,
its schema and its key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bilan_core.cli import PATH, note_line, state
from bilan_core.i18n import _, ngettext


def echo_json(value: Any) -> None:
    """Print a value as JSON (dates as text)."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def read_password(path: Path) -> str:
    """An argon2 hash of the password in a file (its first line), for the web login."""
    from bilan_core.errors import UsageError
    from bilan_core.files import decode_utf8, read_input

    text = decode_utf8(read_input(path, "password file", limit=4096), path, "password file")
    password = text.splitlines()[0] if text.strip() else ""
    if len(password) < 12:
        raise UsageError(_("{file}: a password of at least 12 characters is expected on the"
                           " first line").format(file=path))
    from argon2 import PasswordHasher

    return str(PasswordHasher().hash(password))


@click.group("user", help=_("The store's accounts: counsellors and administrators."))
def user_group() -> None:
    """The store's accounts: counsellors and administrators."""


@user_group.command("add", help=_(
    "Create an account. On PostgreSQL it is also a database role, which connects as itself;"
    " on SQLite the account is an attribution within the file owner's store."))
@click.argument("name")
@click.option("--role", type=click.Choice(["counsellor", "admin"]), required=True,
              help=_("A counsellor sees their own dossiers; an administrator sees all."))
@click.option("--password-file", type=PATH,
              help=_("A file whose first line is the web password (hashed with argon2)."))
def user_add(name: str, role: str, password_file: Path | None) -> None:
    """Create an account."""
    hashed = read_password(password_file) if password_file is not None else None
    state().store().add_user(name, role, hashed)
    click.echo(_("account {name} created ({role})").format(name=name, role=_(role)))


@user_group.command("passwd", help=_("Set an account's web password from a file."))
@click.argument("name")
@click.option("--password-file", type=PATH, required=True,
              help=_("A file whose first line is the new password."))
def user_passwd(name: str, password_file: Path) -> None:
    """Set an account's web password from a file."""
    state().store().set_password(name, read_password(password_file))
    click.echo(_("password of {name} set").format(name=name))


@user_group.command("list", help=_("List the accounts."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def user_list(as_json: bool) -> None:
    """List the accounts."""
    users = state().store().users()
    if as_json:
        echo_json(users)
        return
    for user in users:
        flags = [_(user["role"])]
        if user["disabled"]:
            flags.append(_("disabled"))
        if user["password"]:
            flags.append(_("web password set"))
        click.echo(f"{user['name']}  {', '.join(flags)}")
    click.echo(ngettext("{n} account", "{n} accounts", len(users)).format(n=len(users)))


@user_group.command("disable", help=_("Disable an account; its dossiers stay."))
@click.argument("name")
def user_disable(name: str) -> None:
    """Disable an account; its dossiers stay."""
    state().store().disable_user(name)
    click.echo(_("account {name} disabled").format(name=name))


@click.command("audit", help=_(
    "Show the audit trail of a dossier (or, for an administrator, of the whole store): every"
    " read of results, export, consent change, share, purge and account change."))
@click.argument("dossier_id", metavar="ID", required=False)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def audit_command(dossier_id: str | None, as_json: bool) -> None:
    """Show the audit trail of a dossier."""
    trail = state().store().audit_trail(dossier_id)
    if as_json:
        echo_json(trail)
        return
    for entry in trail:
        detail = json.loads(entry["detail"])
        shown = ", ".join(f"{k}={v}" for k, v in detail.items() if v not in (None, [], ""))
        where = f" {entry['dossier_id']}" if entry["dossier_id"] and not dossier_id else ""
        click.echo(f"{entry['at'][:19].replace('T', ' ')}  {entry['actor']}"
                   f"  {entry['action']}{where}" + (f"  {shown}" if shown else ""))


@click.group("store", help=_("The store itself: where it is, its schema, its key."))
def store_group() -> None:
    """The store itself: where it is, its schema, its key."""


@store_group.command("info", help=_("Where the store is, its schema revision and whether it is"
                                     " encrypted."))
def store_info() -> None:
    """Where the store is, its schema revision and whether it is encrypted."""
    from bilan_core.store.engine import current_revision, shown

    store = state().store()
    with store.reading() as connection:
        revision = current_revision(connection)
    click.echo(_("store: {url}").format(url=shown(store.url)))
    click.echo(_("schema revision: {revision}").format(revision=revision))
    click.echo(_("you are: {name} ({role})").format(name=store.actor.name,
                                                    role=_(store.actor.role)))
    click.echo(_("encrypted: {state}").format(
        state=_("yes, key {mark}").format(mark=store.cipher.fingerprint)
        if store.cipher.fingerprint else _("no")))


@store_group.command("new-key", help=_(
    "Write a new random key for encryption at rest into a file (0600)."))
@click.argument("key_file", metavar="FILE", type=PATH)
def store_new_key(key_file: Path) -> None:
    """Write a new random key for encryption at rest into a file (0600)."""
    import os

    from bilan_core.errors import UsageError
    from bilan_core.store.crypto import new_key

    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(_("{file}: exists already; a key is never overwritten").format(
            file=key_file)) from None
    except OSError as exc:
        raise UsageError(_("{file}: cannot write the key ({reason})").format(
            file=key_file, reason=exc.strerror or exc)) from None
    with os.fdopen(fd, "w") as out:
        out.write(new_key() + "\n")
    click.echo(_("wrote a new key to {file}; keep a copy in a safe place: without it the"
                 " encrypted content cannot be read").format(file=key_file))


@store_group.command("rotate-key", help=_(
    "Re-encrypt the store's content with a new key (or encrypt it for the first time, or"
    " decrypt it with --decrypt). The current key comes from BILAN_STORE_KEY or"
    " BILAN_STORE_KEY_FILE."))
@click.option("--new-key-file", type=PATH, help=_("The file holding the new key."))
@click.option("--decrypt", is_flag=True, help=_("Store the content unencrypted."))
def store_rotate_key(new_key_file: Path | None, decrypt: bool) -> None:
    """Re-encrypt the store's content with a new key."""
    from bilan_core.errors import UsageError
    from bilan_core.store.crypto import read_key_file

    if (new_key_file is None) == (not decrypt):
        raise UsageError(_("give --new-key-file FILE or --decrypt"))
    key = read_key_file(new_key_file) if new_key_file is not None else None
    count = state().store().rotate_key(key)
    click.echo(ngettext("{n} value re-encrypted", "{n} values re-encrypted", count).format(
        n=count) if key else ngettext("{n} value decrypted", "{n} values decrypted",
                                      count).format(n=count))
    if key:
        note_line(_("from now on set BILAN_STORE_KEY_FILE={file}").format(file=new_key_file))
