"""Jinja2 for documents: every template, the core's and a provider's, runs in the sandbox.

A provider's template is written by staff and recorded in the dossier, which may come back
from disk edited by anyone: it must never run code. So templates are compiled and rendered by
one :class:`jinja2.sandbox.ImmutableSandboxedEnvironment` with autoescaping on: no access to
Python internals (``__class__``, ``__globals__``...), no call to a method that changes an
object, no file loaded (``include``, ``import`` and ``extends`` find only the template
itself). A failure names the template and its line (:class:`TemplateProblem`).

Compiled templates are cached by content, so rendering many documents compiles each once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from importlib import resources
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bilan_core.i18n import _

if TYPE_CHECKING:
    import jinja2

BUILTIN_NAME = "synthese.html.j2"
#: The largest document a template may produce, in characters.
MAX_OUTPUT = 20_000_000
#: The largest string or list a template may build with ``*``, and the largest exponent.
MAX_VALUE = 1_000_000
MAX_EXPONENT = 64
#: How long a template may take to render, in seconds (``BILAN_TEMPLATE_SECONDS``).
RENDER_SECONDS = 20.0
_CACHE = 64

_sources: dict[str, tuple[str, str]] = {}  # key -> (file name shown in errors, source)


class TemplateProblem(ValueError):
    """A template that cannot be compiled or rendered; ``line`` is in the template."""

    def __init__(self, message: str, name: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.line = line


_CSS_PLAIN = re.compile(r"[A-Za-z0-9 ,.;:!?()'\-\u00a0-\uffff]")


def css_string(value: Any) -> Any:
    """A value for the inside of a CSS string (``content: "{{ name|css_string }}"``).

    Every character that could end the string, the declaration or the ``<style>`` element
    is written as a CSS escape, so a name with ``"``, ``\\`` or ``</style>`` prints as typed.
    """
    from markupsafe import Markup

    from bilan_core.report.text import one_line
    from bilan_core.terminal import strip_controls

    text = one_line(strip_controls(str(value)))
    return Markup("".join(c if _CSS_PLAIN.fullmatch(c) and c != "'" else f"\\{ord(c):x} "
                          for c in text))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The one sandboxed environment documents are rendered with."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        """The immutable sandbox, with bounds on what ``*`` and ``**`` may build."""

        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            from jinja2.exceptions import SecurityError

            if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(_("an exponent over {limit} is not allowed").format(
                    limit=MAX_EXPONENT))
            if operator == "*":
                for sized, times in ((left, right), (right, left)):
                    if (isinstance(sized, (str, list, tuple)) and isinstance(times, int)
                            and len(sized) * times > MAX_VALUE):
                        raise SecurityError(_("a value of more than {limit:,} items is"
                                              " not allowed").format(limit=MAX_VALUE))
            return super().call_binop(context, operator, left, right)

    env = Sandbox(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        loader=jinja2.FunctionLoader(_load),
        auto_reload=False,
        cache_size=_CACHE,
        finalize=_finalize,
    )
    env.filters["css_string"] = css_string
    return env


def _finalize(value: Any) -> Any:
    """Every value a template prints, without control characters or bidirectional marks
    (a name cannot hide or reorder the text around it); markup stays markup."""
    from markupsafe import Markup

    from bilan_core.terminal import strip_controls

    if isinstance(value, Markup):
        return Markup(strip_controls(str(value)))
    if isinstance(value, str):
        return strip_controls(value)
    return value


def _load(key: str) -> tuple[str, str, Callable[[], bool]] | None:
    found = _sources.get(key)
    if found is None:
        return None
    name, source = found
    return source, name, lambda: True


def builtin_source() -> str:
    """The core's template."""
    path = resources.files("bilan_core.report") / "templates" / BUILTIN_NAME
    return path.read_text(encoding="utf-8")


def get(source: str | None, name: str | None) -> tuple[jinja2.Template, str, str]:
    """The compiled template (the core's when ``source`` is None), its name and source."""
    import jinja2

    if source is None:
        source, name = builtin_source(), f"{BUILTIN_NAME} (bilan)"
    name = name or "template"
    key = f"{hashlib.sha256(source.encode('utf-8')).hexdigest()[:32]}/{name}"
    _sources[key] = (name, source)
    while len(_sources) > _CACHE:  # the oldest first: the environment caches as many
        del _sources[next(iter(_sources))]
    try:
        return environment().get_template(key), name, source
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(_("template error: {error}").format(error=exc.message), name,
                              exc.lineno) from None
    except jinja2.TemplateError as exc:  # a loader error: include of another file
        raise TemplateProblem(_("template error: {error}").format(error=exc), name,
                              None) from None


def asset_names(source: str, name: str) -> list[tuple[str, int]]:
    """The files a template embeds with ``asset("NAME")``, and the line of each call.

    The name must be written in the template (a string constant), so the files can be read
    and checked when the pipeline is loaded, never when a stored dossier is rendered.
    """
    import jinja2
    from jinja2 import nodes

    try:
        tree = environment().parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(_("template error: {error}").format(error=exc.message), name,
                              exc.lineno) from None
    found = []
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "asset":
            if (len(call.args) != 1 or call.kwargs or call.dyn_args or call.dyn_kwargs
                    or not isinstance(call.args[0], nodes.Const)
                    or not isinstance(call.args[0].value, str)):
                raise TemplateProblem(_("asset() takes one file name written as a string,"
                                        " such as asset(\"logo-pied.png\")"), name, call.lineno)
            found.append((call.args[0].value, call.lineno))
    return found


def render(template: jinja2.Template, name: str, **context: Any) -> str:
    """Render in the sandbox; every failure is a :class:`TemplateProblem` with its line."""
    chunks: list[str] = []
    size = 0
    try:
        with _time_budget(name):
            for chunk in template.generate(**context):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise TemplateProblem(_("the template produced more than {limit:,}"
                                            " characters").format(limit=MAX_OUTPUT), name, None)
    except TemplateProblem:
        raise
    except Exception as exc:  # the template is data: whatever it raises is its author's error
        from jinja2.exceptions import SecurityError, TemplateNotFound

        if isinstance(exc, SecurityError):
            message = _("the sandbox refused an operation: {error}").format(error=exc)
        elif isinstance(exc, TemplateNotFound):
            message = _("template {name!r} not found: a template cannot include, import"
                        " or extend another file").format(name=exc.name)
        else:
            message = f"{type(exc).__name__}: {exc}"
        raise TemplateProblem(message, name, _template_line(exc.__traceback__, name)) from None
    return "".join(chunks)


class _OutOfTime(Exception):
    """Raised by the alarm inside a template that renders for too long."""


@contextlib.contextmanager
def _time_budget(name: str) -> Iterator[None]:
    """Stop a template that runs longer than :data:`RENDER_SECONDS` (a loop building nothing
    runs as long as it likes otherwise). Uses SIGALRM: only in the main thread of a program
    that does not use it."""
    import os
    import signal
    import threading

    try:
        seconds = float(os.environ.get("BILAN_TEMPLATE_SECONDS") or RENDER_SECONDS)
    except ValueError:
        seconds = RENDER_SECONDS
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is
              threading.main_thread() and signal.getsignal(signal.SIGALRM) in
              (signal.SIG_DFL, None) and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise _OutOfTime()

    signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _OutOfTime:
        raise TemplateProblem(_("the template took more than {seconds:g} seconds to render")
                              .format(seconds=seconds), name, None) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _template_line(tb: TracebackType | None, name: str) -> int | None:
    """The template line of the deepest frame Jinja mapped to the template."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def line_of(source: str, snippet: str) -> int | None:
    """The first line of ``source`` that holds ``snippet`` (ignoring case: the parser gives
    names in lower case)."""
    if not snippet:
        return None
    wanted = snippet.lower()
    for number, line in enumerate(source.splitlines(), start=1):
        if wanted in line.lower():
            return number
    return None
