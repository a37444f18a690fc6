"""The language of the command line: French by default, English when the locale asks for it.

Every message the CLI prints (help, errors, warnings, summaries, click's own strings) is
written in English in the code and goes through :func:`_`, which looks it up in the gettext
catalog of the language chosen: the French catalog ships with the package
(``bilan_core/locale/fr/LC_MESSAGES/bilan.mo``, compiled from ``bilan.po``, extracted with
Babel); English is the text as written. A line is in one language, whole.

Documents (the synthèse, the questions of ``bilan administer``) are French whatever the
locale: they never go through this module. The web application's pages go through it, in
the language ``bilan serve --language`` chose (French by default) rather than the server's
locale: each request runs in :func:`speaking`.

The language comes from ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``, the first set
(as gettext reads them): ``en`` or ``en_*`` gives English; anything else, French. The test
suite adds a pseudo-locale (``qps``) whose catalog marks every message, read from
``BILAN_LOCALE_DIR``.

This module imports only the standard library: ``bilan --version`` goes through it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported at run time: ``bilan --version`` stays near click's cost
    from collections.abc import Iterator
    from datetime import date
    from decimal import Decimal
    from pathlib import Path

DOMAIN = "bilan"
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
PSEUDO = "qps"


#: The language a piece of work speaks whatever the environment says (:func:`speaking`).
_SPOKEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("bilan_language",
                                                                    default=None)


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Within this block (this thread or task, and what it starts), messages are in
    ``lang``: the web application's pages are French whatever the server's locale."""
    token = _SPOKEN.set(lang)
    try:
        yield
    finally:
        _SPOKEN.reset(token)


def language(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """``"fr"``, ``"en"`` or the pseudo-locale, from the environment as gettext reads it
    (or the language of a :func:`speaking` block)."""
    if environ is None:
        spoken = _SPOKEN.get()
        if spoken is not None:
            return spoken
    env = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            first = value.split(":")[0].lower()
            if first == "en" or first.startswith(("en_", "en.", "en-")):
                return "en"
            if first.startswith(PSEUDO):
                return PSEUDO
            return "fr"
    return "fr"


@functools.lru_cache(maxsize=4)
def translation(lang: str, domain: str = DOMAIN,
                folder: str | None = None) -> gettext.NullTranslations:
    """The catalog of ``domain`` for ``lang`` (English: the text as written)."""
    if lang == "en":
        return gettext.NullTranslations()
    if lang == PSEUDO:
        folder = os.environ.get("BILAN_LOCALE_DIR") or folder
    # The catalog's file is opened directly: ``gettext.translation`` would first expand the
    # language through the locale module's aliases, for a file whose place is known.
    path = os.path.join(folder or LOCALE_DIR, lang, "LC_MESSAGES", f"{domain}.mo")
    try:
        with open(path, "rb") as file:
            return gettext.GNUTranslations(file)
    except OSError:  # no catalog for this language: the text as written
        return gettext.NullTranslations()


def _(message: str) -> str:
    """``message`` in the language of the command line."""
    return translation(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message, in the language of the command line."""
    return translation(language()).ngettext(singular, plural, n)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def date_text(day: date) -> str:
    """A date as the command line's language writes it: ``1er mars 2026``, ``1 March 2026``."""
    if language() == "fr":
        from bilan_core.steps._text import french_date

        return french_date(day)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def money_text(amount: Decimal) -> str:
    """An amount in euros as the command line's language writes it: ``1 950,00 €``,
    ``€1,950.00``."""
    if language() == "fr":
        from bilan_core.steps._text import euros

        return euros(amount)
    return f"€{amount:,.2f}"


def catalog(domain: str, folder: Path) -> tuple[object, object]:
    """``(_, ngettext)`` for a plugin's own catalog (``domain`` in ``folder``): a plugin
    distribution ships its messages as the core does, and follows the same language."""
    def plugin_gettext(message: str) -> str:
        return translation(language(), domain, str(folder)).gettext(message)

    def plugin_ngettext(singular: str, plural: str, n: int) -> str:
        return translation(language(), domain, str(folder)).ngettext(singular, plural, n)

    return plugin_gettext, plugin_ngettext


class Message:
    """A message to render later, in the language of where it is shown.

    A warning recorded in a dossier is shown on the command line (in the CLI's language) and
    in the counsellor's working notes (a document: French). It keeps its English text with
    ``{name}`` fields and their values, and is rendered for each place: ``render("fr")`` for
    a document, ``str(message)`` for the terminal.
    """

    __slots__ = ("params", "text")

    def __init__(self, text: str, **params: str | int | float | Message) -> None:
        self.text = text
        self.params = params

    def render(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the CLI's); a field that is a message itself (a
        rule's source) is rendered in the same language."""
        lang = lang or language()
        template = translation(lang).gettext(self.text)
        if not self.params:
            return template  # a plain text (a plugin's own warning): no fields to fill
        values = {k: v.render(lang) if isinstance(v, Message) else v
                  for k, v in self.params.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a field
            return self.text.format(**values)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.text!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Message) and self.text == other.text
                and self.params == other.params)

    def __hash__(self) -> int:
        return hash((self.text, tuple(sorted(self.params.items()))))


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it now (it is translated where it
    is shown, as a :class:`Message` or through :func:`_`)."""
    return message


#: Words click translates with a variable (``_(extra["required"])``), which Babel cannot see.
CLICK_WORDS = (N_("required"),)

#: The click modules that print messages of their own through gettext.
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui",
                 "types", "_termui_impl", "shell_completion", "utils")


def install_click() -> None:
    """Make click's own strings (usage, help, errors) follow the same catalog.

    Click looks its messages up with the standard ``gettext`` functions it imported; they are
    replaced, in click's modules only (those loaded: click imports the others on demand, for
    shell completion and progress bars, which bilan does not use), by this module's.
    """
    import sys

    for name in CLICK_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
