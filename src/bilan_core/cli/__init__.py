"""The ``bilan`` command line.

This module imports only click: built-in commands are imported when called, and plugins are
loaded only by commands that need them, so ``bilan --version`` stays near the cost of click.
"""

from __future__ import annotations

import importlib
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from bilan_core._version import __version__
from bilan_core.i18n import N_, _, install_click

# Click's own strings follow the catalog, those its decorators read below included.
install_click()

if TYPE_CHECKING:
    from bilan_core.plugins import PluginHost

#: Built-in commands: name -> "module:function", imported on first use.
BUILTIN_COMMANDS = {
    "plugins": "bilan_core.cli.info:plugins_command",
    "hooks": "bilan_core.cli.info:hooks_command",
    "schema": "bilan_core.cli.info:schema_command",
    "validate": "bilan_core.cli.run:validate_command",
    "run": "bilan_core.cli.run:run_command",
    "batch": "bilan_core.cli.batch:batch_command",
    "invite": "bilan_core.cli.invite:invite_command",
    "serve": "bilan_core.cli.serve:serve_command",
    "instruments": "bilan_core.cli.assess:instruments_group",
    "score": "bilan_core.cli.assess:score_command",
    "administer": "bilan_core.cli.administer:administer_command",
    "funding": "bilan_core.cli.funding:funding_group",
    "careers": "bilan_core.cli.careers:careers_command",
    "report": "bilan_core.cli.report:report_command",
    "purge": "bilan_core.cli.purge:purge_command",
    "user": "bilan_core.cli.store:user_group",
    "dossier": "bilan_core.cli.dossier:dossier_group",
    "session": "bilan_core.cli.dossier:session_group",
    "consent": "bilan_core.cli.dossier:consent_group",
    "audit": "bilan_core.cli.store:audit_command",
    "store": "bilan_core.cli.store:store_group",
    "provider": "bilan_core.cli.evidence:provider_group",
    "invoice": "bilan_core.cli.evidence:invoice_group",
    "evidence": "bilan_core.cli.evidence:evidence_group",
    "complaint": "bilan_core.cli.evidence:complaint_group",
    "new": "bilan_core.cli.new:new_group",
}

#: Commands that only describe the installation: no output to recover, no temporary file.
INFORMATION_COMMANDS = frozenset({"plugins", "hooks", "schema"})


class PathArg(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """A path argument taken as typed: the command's reader checks it (NUL bytes, loops,
    folders, devices...) and says what is wrong in one located line, which click's own
    ``Path`` checks cannot do for every case."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        from pathlib import Path

        return value if isinstance(value, Path) else Path(value)


PATH = PathArg()


class DateArg(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """A date written exactly ``YYYY-MM-DD`` (``2026-3-1`` is refused, not guessed)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        import datetime
        import re

        if isinstance(value, datetime.date):
            return value
        text = str(value)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                day = datetime.date.fromisoformat(text)
            except ValueError:
                self.fail(_("{text!r} is not a date of the calendar").format(text=text),
                          param, ctx)
            from bilan_core.model.common import FIRST_DAY, LAST_DAY

            if not FIRST_DAY <= day <= LAST_DAY:
                self.fail(_("expected a date from {first} to {last}, got {text}").format(
                    first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat(), text=text),
                    param, ctx)
            return day
        self.fail(_("expected a date written YYYY-MM-DD, such as 2026-03-01, got {text!r}")
                  .format(text=text), param, ctx)


DATE = DateArg()


class State:
    """The group's options, shared by every subcommand, and the plugin host they decide."""

    def __init__(self, plugins: Sequence[str], strict: bool, trace_hooks: bool,
                 slow_hook: float | None = None, store: str | None = None) -> None:
        self.store_url = store
        self._store: Any = None
        self.explicit = [p for p in plugins if not p.startswith("no:")]
        self.blocked = [p[3:] for p in plugins if p.startswith("no:")]
        self.strict = strict
        self.trace_hooks = trace_hooks
        self.slow_hook = slow_hook
        self._host: PluginHost | None = None

    def host(self, *, explicit: Sequence[str] = (), blocked: Sequence[str] = (),
             search_path: Sequence[Any] = (),
             objects: Sequence[tuple[str, object]] = ()) -> PluginHost:
        """The loaded plugin host; the command line wins over the pipeline's lists."""
        if self._host is not None and not (explicit or blocked or search_path or objects):
            return self._host
        from bilan_core.plugins import PluginHost

        blocked_all = [b for b in (*blocked, *self.blocked) if b not in self.explicit]
        host = PluginHost(
            explicit=[*explicit, *self.explicit],
            blocked=blocked_all,
            strict=self.strict,
            trace=_trace_line if self.trace_hooks else None,
            search_path=search_path,
            objects=objects,
            slow_hook=self.slow_hook,
            warn=warning_line,
        )
        try:
            host.load()
        finally:
            if not self.strict:
                for line in host.failure_lines():
                    error_line(line)
        self._host = host
        return host

    def store(self) -> Any:
        """The dossier store chosen by ``--store`` or ``BILAN_STORE`` (default: the SQLite file
        in the private data folder), opened once per command and closed with it."""
        if self._store is None:
            from bilan_core.store.core import Store

            self._store = Store.open(self.store_url, say=note_line)
            context = click.get_current_context(silent=True)
            if context is not None:
                context.call_on_close(self._store.close)
        return self._store


def _trace_line(line: str) -> None:
    click.echo(f"bilan: {line}", err=True)


def error_line(message: object) -> None:
    """Print one error line on stderr: ``bilan: error: ...`` in the CLI's language."""
    click.echo(_("bilan: error: {message}").format(message=message), err=True)


def warning_line(message: object) -> None:
    """Print one warning line on stderr: ``bilan: warning: ...`` in the CLI's language."""
    click.echo(_("bilan: warning: {message}").format(message=message), err=True)


def note_line(message: object) -> None:
    """Print one line of information on stderr: ``bilan: ...``."""
    click.echo(_("bilan: {message}").format(message=message), err=True)




def state(ctx: click.Context | None = None) -> State:
    """The :class:`State` of the running command."""
    ctx = ctx or click.get_current_context()
    found = ctx.find_object(State)
    if found is None:  # a command invoked outside the group, as in some tests
        found = State((), False, False)
        ctx.obj = found
    return found


class TranslatedText:
    """A help text kept as written (English) and translated each time it is read: the
    command line's own texts are not looked up while it is imported (``bilan --version``
    reads no catalog)."""

    def __get__(self, owner: Any, kind: Any = None) -> Any:
        if owner is None:
            return self
        text = owner.__dict__.get("_help_source")
        return _(text) if text else text

    def __set__(self, owner: Any, value: str | None) -> None:
        owner.__dict__["_help_source"] = value


class BilanGroup(click.Group):
    """A group whose built-in commands load lazily and whose plugin commands load on demand.

    Plugin commands are collected per invocation (in ``ctx.meta``), never added to the group
    itself, so one process can run several invocations with different plugins. Its help is
    translated when shown, as its options' (:class:`TranslatedOption`).
    """

    help = TranslatedText()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*BUILTIN_COMMANDS, *self.commands, *self._plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = BUILTIN_COMMANDS.get(cmd_name)
        if target is not None:
            module, _sep, attr = target.partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        return self._plugin_commands(ctx).get(cmd_name)

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        found: dict[str, click.Command] | None = ctx.meta.get("bilan.plugin_commands")
        if found is None:
            if ctx.obj is None:  # resolving the command runs before the group callback
                ctx.obj = State(ctx.params.get("plugins", ()), ctx.params.get("strict", False),
                                ctx.params.get("trace_hooks", False),
                                ctx.params.get("slow_hook"), ctx.params.get("store"))
            collector = click.Group("bilan")
            state(ctx).host().add_commands(collector)
            found = ctx.meta["bilan.plugin_commands"] = {
                name: command for name, command in collector.commands.items()
                if name not in BUILTIN_COMMANDS}
        return found


_TRACEBACK = {"on": False}


class TranslatedOption(click.Option):
    """An option of the group whose help is translated when it is shown."""

    help = TranslatedText()


def _show_version(ctx: click.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"bilan {__version__}")
        ctx.exit()


@click.group(cls=BilanGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=N_("Run a bilan de compétences as a pipeline of plugins.\n"
                     "\n"
                     "\b\n"
                     "Environment:\n"
                     "  BILAN_PLUGINS=a,b          only these installed plugins are loaded"
                     " (empty: none)\n"
                     "  BILAN_DISABLE_PLUGINS=a,b  block these plugins\n"
                     "  BILAN_TRACE_HOOKS=1        log every hook call\n"
                     "  BILAN_SLOW_HOOK=SECONDS    warn of slower hook calls (default 10)\n"
                     "  BILAN_DATA_DIR=DIR         the private data folder\n"
                     "  BILAN_STORE=URL            the dossier store (like --store)\n"
                     "  BILAN_STORE_KEY[_FILE]     the key of an encrypted store\n"
                     "  BILAN_USER=NAME            the account using an SQLite store"))
@click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, param, value: _show_version(ctx, value),
              cls=TranslatedOption, help=N_("Show the version and exit."))
# -p, --strict and --trace-hooks are eager so that --help after them lists plugin commands.
@click.option("-p", "plugins", multiple=True, metavar="MODULE|no:NAME", is_eager=True,
              cls=TranslatedOption,
              help=N_("Load a plugin module, or block a plugin with no:NAME. Repeatable."))
@click.option("--strict", is_flag=True, is_eager=True, cls=TranslatedOption,
              help=N_("Exit 2 when a plugin fails to load."))
@click.option("--traceback", "show_traceback", is_flag=True, cls=TranslatedOption,
              help=N_("Show the Python traceback of errors."))
@click.option("--trace-hooks", is_flag=True, is_eager=True, cls=TranslatedOption,
              help=N_("Log every hook call on stderr (also BILAN_TRACE_HOOKS=1)."))
@click.option("--slow-hook", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              is_eager=True, cls=TranslatedOption,
              help=N_("Warn of a hook call slower than this (default 10; also"
                      " BILAN_SLOW_HOOK)."))
@click.option("--store", "store", metavar="URL", cls=TranslatedOption,
              help=N_("The dossier store: an SQLite file or sqlite:///FILE, or"
                      " postgresql://ROLE@HOST/DATABASE (also BILAN_STORE; default: store.sqlite"
                      " in the private data folder)."))
@click.pass_context
def cli(ctx: click.Context, plugins: tuple[str, ...], strict: bool, show_traceback: bool,
        trace_hooks: bool, slow_hook: float | None, store: str | None) -> None:
    """Run a bilan de compétences as a pipeline of plugins.

    \b
    Environment:
      BILAN_PLUGINS=a,b          only these installed plugins are loaded (empty: none)
      BILAN_DISABLE_PLUGINS=a,b  block these plugins
      BILAN_TRACE_HOOKS=1        log every hook call
      BILAN_SLOW_HOOK=SECONDS    warn of slower hook calls (default 10)
      BILAN_DATA_DIR=DIR         the private data folder
      BILAN_STORE=URL            the dossier store (like --store)
      BILAN_STORE_KEY[_FILE]     the key of an encrypted store
      BILAN_USER=NAME            the account using an SQLite store
    """
    _TRACEBACK["on"] = show_traceback
    if not isinstance(ctx.obj, State):  # plugin commands may have created it already
        ctx.obj = State(plugins, strict, trace_hooks, slow_hook, store)
    elif store is not None:
        ctx.obj.store_url = store
    if ctx.invoked_subcommand in INFORMATION_COMMANDS:
        return  # they write nothing, and start faster without the outputs' machinery
    from bilan_core.outputs import recover, scratch

    if ctx.invoked_subcommand != "purge":  # purge does it, and says what it did
        recover()  # complete or undo what a command killed earlier left half done
    ctx.with_resource(scratch())  # temporary files in the private data folder only


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command stands so that its clean-up runs."""


def _terminate(signum: int, frame: Any) -> None:
    from bilan_core import signals

    signals.received = True
    raise Terminated()


def _interrupt(signum: int, frame: Any) -> None:
    from bilan_core import signals

    signals.received = True
    raise KeyboardInterrupt()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bilan`` script; returns the exit status.

    Everything printed goes through :class:`~bilan_core.terminal.SafeStream` (no control
    character from data reaches the terminal), and SIGTERM is turned into an exception so that
    an interrupted command removes what it had started to write.
    """
    from bilan_core.terminal import SafeStream

    install_click()
    streams = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)
    from bilan_core import signals

    handlers = {signum: _install(signum, handler) for signum, handler in (
        (signal.SIGTERM, _terminate), (signal.SIGINT, _interrupt))}
    # With both handlers ours, a KeyboardInterrupt without a signal is a plugin's own.
    signals.armed = all(previous is not None for previous in handlers.values())
    signals.received = False
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams
        signals.armed = False
        for signum, previous in handlers.items():
            if previous is not None:
                signal.signal(signum, previous)


def _install(signum: int, handler: Any) -> Any:
    """Install a signal handler where Python allows it (the main thread); the old one."""
    previous = signal.getsignal(signum)
    if previous not in (signal.SIG_DFL, signal.default_int_handler, None):
        return None  # an embedding program handles it
    try:
        signal.signal(signum, handler)
    except ValueError:  # not the main thread: signals are the main thread's to handle
        return None
    return previous


def _main(argv: Sequence[str] | None) -> int:
    _TRACEBACK["on"] = "--traceback" in (sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="bilan",
                          standalone_mode=False)
    except click.UsageError as exc:
        # One line, like every other error: the option and what it expects, then where the
        # help is (click's own form prints the usage and a blank line first).
        where = exc.ctx.command_path if exc.ctx is not None else "bilan"
        error_line(_("{message} (see '{command} --help')").format(
            message=exc.format_message(), command=where))
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, Terminated):
            note_line(_("terminated"))
            return 143
        if isinstance(exc.__cause__, KeyboardInterrupt):
            note_line(_("interrupted"))
            return 130
        note_line(_("aborted"))
        return 1
    except Terminated:
        note_line(_("terminated"))
        return 143
    except KeyboardInterrupt:
        note_line(_("interrupted"))
        return 130
    except Exception as exc:
        return _report(exc)
    return result if isinstance(result, int) else 0


def _report(exc: Exception) -> int:
    """Print an error in one line per message (traceback only when asked); its exit status."""
    from bilan_core.errors import BilanError  # imported here: --version must stay light

    if _TRACEBACK["on"]:
        import traceback

        traceback.print_exc()
    if isinstance(exc, BilanError):
        from bilan_core.terminal import visible

        for line in str(exc).splitlines():  # a control character shows as an escape
            error_line(visible(line))
        return exc.exit_code
    click.echo(_("bilan: internal error: {error} (run with --traceback and report it)").format(
        error=f"{type(exc).__name__}: {exc}"), err=True)
    return 1


def run() -> None:  # pragma: no cover - the console script
    sys.exit(main())
