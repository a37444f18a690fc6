"""The plugin host: finds, loads, blocks and calls plugins, and owns their failures.

Plugins come from three places, loaded in this order:

1. the built-in modules of the core (:data:`BUILTIN_PLUGINS`), as pytest loads its own;
2. installed distributions, through the entry-point group ``bilan`` (the entry-point name is
   the plugin's name);
3. modules named explicitly with ``-p MODULE`` or the pipeline's ``plugins = [...]`` (the module
   path is the plugin's name).

A plugin that fails to import or to register, that implements a hook that has no
specification (or with an argument the specification does not have), or whose distribution
requires a ``bilan-core`` other than the one installed, is left out with one line naming it, its
distribution and version; the command goes on without it unless the host is strict. A plugin
that implements no hook, or has a function named like a hook but not marked ``@hookimpl``, is
named in a warning. A module that implements no hook but whose package folder holds ``*.toml``
files is a distribution's instruments without Python: each file is registered as an instrument
(:class:`InstrumentFolder`). Every hook call goes through :meth:`PluginHost.call`,
which calls one implementation at a time, so an exception names the plugin that raised it.
"""

from __future__ import annotations

import enum
import functools
import importlib
import inspect
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import attrs
import pluggy

from bilan_core import hookspecs
from bilan_core._version import __version__
from bilan_core.components import Funder, OccupationSource, Renderer, StepDefinition
from bilan_core.config.schema import Table
from bilan_core.entrypoints import EntryPoint, canonical_name, entry_points
from bilan_core.errors import BilanError, HookError, PluginError, describe, did_you_mean
from bilan_core.i18n import _
from bilan_core.instruments.loader import Instruments, PackagedInstrument, packaged_instruments
from bilan_core.markers import PROJECT_NAME, hookimpl
from bilan_core.model import (
    Action,
    CareerOption,
    FundingDecision,
    Instrument,
    InstrumentResult,
    NormTable,
    ReportSection,
)
from bilan_core.signals import is_interrupt
from bilan_core.values import plain_repr

ENTRY_POINT_GROUP = "bilan"
CORE_DISTRIBUTION = "bilan-core"

#: The core's own plugins: (name, module). They are blocked like any other (``-p no:NAME``).
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("preparation", "bilan_core.steps.preparation"),
    ("needs_analysis", "bilan_core.steps.needs_analysis"),
    ("skills_exploration", "bilan_core.steps.skills_exploration"),
    ("career_options", "bilan_core.steps.career_options"),
    ("action_plan", "bilan_core.steps.action_plan"),
    ("scoring", "bilan_core.scoring.plugin"),
    ("orientation", "bilan_core.orientation.actions"),
    ("renderers", "bilan_core.report.renderers"),
    ("working_notes", "bilan_core.report.notes"),
)

#: Registration hooks the host calls at start-up, with the kind of object each registers (an
#: instrument a plugin ships is registered unread: its file is parsed when first used).
REGISTRATIONS: dict[str, type | tuple[type, ...]] = {
    "register_steps": StepDefinition,
    "register_instruments": (Instrument, PackagedInstrument),
    "register_funders": Funder,
    "register_occupation_sources": OccupationSource,
    "register_renderers": Renderer,
    "register_config_sections": Table,
}

#: What the implementations of each event hook return: nothing, one value, or a list.
RESULTS: dict[str, tuple[str, type | None]] = {
    "pipeline_start": ("none", None),
    "step_start": ("none", None),
    "step_end": ("none", None),
    "pipeline_end": ("none", None),
    "score_instrument": ("one", InstrumentResult),
    "instrument_norms": ("list", NormTable),
    "interpret_scores": ("list", str),
    "career_options": ("list", CareerOption),
    "plan_actions": ("list", Action),
    "funding_options": ("list", FundingDecision),
    "report_sections": ("list", ReportSection),
}


#: A hook call slower than this many seconds is named in a warning (``BILAN_SLOW_HOOK``).
SLOW_HOOK_SECONDS = 10.0

T = TypeVar("T")


@plain_repr
@attrs.define(repr=False)
class PluginInfo:
    """What the host knows of one plugin, as ``bilan plugins`` shows it."""

    name: str
    origin: str  # "builtin", "entry-point" or "explicit"
    module: str
    distribution: str | None = None
    version: str | None = None
    status: str = "pending"  # loaded, blocked, not-allowed, failed
    error: str | None = None
    load_time: float = 0.0
    hooks: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)

    @property
    def label(self) -> str:
        """``name (distribution version)``: how every message names a plugin."""
        dist = self.distribution or _("no distribution")
        version = f" {self.version}" if self.version else ""
        return f"{self.name!r} ({dist}{version})"

    def as_json(self) -> dict[str, Any]:
        """The plugin as ``bilan plugins --json`` prints it."""
        return {
            "name": self.name,
            "origin": self.origin,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "load_time_ms": round(self.load_time * 1000, 3),
            "hooks": self.hooks,
            "warnings": self.warnings,
        }


@plain_repr
@attrs.define(repr=False)
class Registry:
    """Everything plugins registered, indexed by id, with the plugin that registered it."""

    steps: dict[str, StepDefinition] = attrs.field(factory=dict)
    instruments: dict[str, Instrument] = attrs.field(factory=Instruments)
    funders: dict[str, Funder] = attrs.field(factory=dict)
    occupation_sources: dict[str, OccupationSource] = attrs.field(factory=dict)
    renderers: dict[str, Renderer] = attrs.field(factory=dict)
    config_sections: dict[str, Table] = attrs.field(factory=dict)
    commands: dict[str, Any] = attrs.field(factory=dict)  # name -> click.Command
    owners: dict[tuple[str, str], str] = attrs.field(factory=dict)  # (kind, id) -> plugin

    def table_for(self, hook: str) -> dict[str, Any]:
        """The index a registration hook fills."""
        tables: dict[str, dict[str, Any]] = {
            "register_steps": self.steps,
            "register_instruments": self.instruments,
            "register_funders": self.funders,
            "register_occupation_sources": self.occupation_sources,
            "register_renderers": self.renderers,
            "register_config_sections": self.config_sections,
            "register_commands": self.commands,
        }
        return tables[hook]


def _key_of(hook: str, obj: Any, plugin: str) -> str:
    if hook == "register_config_sections":
        return plugin
    if hook == "register_renderers":
        return str(obj.format)
    if hook == "register_commands":
        return str(obj.name)
    return str(obj.id)


def split_names(value: str | None) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class PluginHost:
    """Loads plugins and calls their hooks; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        explicit: Sequence[str] = (),
        blocked: Iterable[str] = (),
        strict: bool = False,
        trace: Callable[[str], None] | None = None,
        environ: Mapping[str, str] | None = None,
        search_path: Sequence[Path] = (),
        objects: Sequence[tuple[str, object]] = (),
        slow_hook: float | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.explicit = list(dict.fromkeys(explicit))
        self.blocked = set(blocked) | set(split_names(env.get("BILAN_DISABLE_PLUGINS")))
        allowed = env.get("BILAN_PLUGINS")
        self.allowed: set[str] | None = None if allowed is None else set(split_names(allowed))
        self.strict = strict
        self.trace = trace
        if trace is None and env.get("BILAN_TRACE_HOOKS", "") not in ("", "0"):
            self.trace = _stderr_trace
        self.search_path = list(search_path)
        self.objects = list(objects)
        self.slow_hook = slow_hook if slow_hook is not None else _seconds(
            env.get("BILAN_SLOW_HOOK"), SLOW_HOOK_SECONDS)
        self.warn = warn or _stderr_warning
        self.warnings: list[str] = []
        self._nested: list[float] = []  # time spent in hooks called by the current one
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        for family in hookspecs.FAMILIES:
            self.pm.add_hookspecs(family)
        self.plugins: dict[str, PluginInfo] = {}
        self.registry = Registry()
        self._loaded = False

    # ----------------------------------------------------------------------------- loading
    @property
    def failures(self) -> list[PluginInfo]:
        """The plugins that were left out because they failed."""
        return [p for p in self.plugins.values() if p.status == "failed"]

    def load(self) -> PluginHost:
        """Load every plugin, then collect what they register. Idempotent."""
        if self._loaded:
            return self
        self._loaded = True
        for name, module in BUILTIN_PLUGINS:
            info = PluginInfo(name, "builtin", module, CORE_DISTRIBUTION, __version__)
            self._load(info, functools.partial(importlib.import_module, module))
        for ep in self._entry_points():
            info = PluginInfo(ep.name, "entry-point", ep.value, ep.distribution, ep.version)
            if info.name in self.plugins:
                other = self.plugins[info.name]
                info.status, info.error = "failed", (
                    _("its name is already used by {plugin}").format(plugin=other.label))
                self.plugins[f"{info.name} ({info.distribution})"] = info
                continue
            if self.allowed is not None and info.name not in self.allowed:
                info.status = "not-allowed"
                self.plugins[info.name] = info
                continue
            self._load(info, ep.load, ep.requires)
        # The pipeline's folder is searched last, and only while its modules are imported: a
        # file there can add a plugin module, never shadow an installed module or the
        # standard library, nor be imported later by a library looking for an optional one.
        added = [str(p) for p in self.search_path if str(p) not in sys.path]
        sys.path.extend(added)
        try:
            for module in self.explicit:
                if module in self.plugins and self.plugins[module].status != "failed":
                    continue  # already loaded under that name
                info = PluginInfo(module, "explicit", module)
                self._load(info, functools.partial(importlib.import_module, module))
                if info.distribution is None:
                    info.distribution, info.version = _distribution_of(module)
        finally:
            for entry in added:
                if entry in sys.path:
                    sys.path.remove(entry)
        for name, obj in self.objects:
            info = PluginInfo(name, "explicit", getattr(obj, "__name__", type(obj).__name__))
            self._load(info, functools.partial(_identity, obj))
        self._collect()
        for info in self.plugins.values():
            if info.status == "loaded":
                self._advise(info, self.pm.get_plugin(info.name))
        self._check_strict()
        return self

    def _entry_points(self) -> list[EntryPoint]:
        return entry_points(ENTRY_POINT_GROUP)

    def _load(self, info: PluginInfo, importer: Callable[[], Any],
              requires: Sequence[str] = ()) -> None:
        self.plugins[info.name] = info
        if info.name in self.blocked:
            info.status = "blocked"
            self.pm.set_blocked(info.name)
            return
        unsupported = _unsupported_core(requires)
        if unsupported:  # not even imported: it may use what this bilan-core does not have
            self._fail(info, unsupported)
            return
        started = time.perf_counter()
        try:
            plugin = importer()
        except BaseException as exc:  # a plugin's import may raise anything: isolate it
            if is_interrupt(exc):
                raise
            self._fail(info, _("failed to import: {error}").format(error=describe(exc)))
            return
        finally:
            info.load_time = time.perf_counter() - started
        try:
            self.pm.register(plugin, name=info.name)
        except pluggy.PluginValidationError as exc:
            self._fail(info, self._unknown_argument(info.name, plugin)
                       or _("failed to register: {error}").format(error=exc))
            return
        except ValueError as exc:  # pluggy: the same object registered under two names
            self._fail(info, _("failed to register: {error}").format(error=exc))
            return
        info.load_time = time.perf_counter() - started
        problem = self._check_hooks(plugin)
        if problem:
            self.pm.unregister(plugin)
            self._fail(info, problem)
            return
        if not self.pm.get_hookcallers(plugin) and _holds_instruments(plugin):
            self.pm.unregister(plugin)
            plugin = InstrumentFolder(plugin.__name__)
            self.pm.register(plugin, name=info.name)
        info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
        info.status = "loaded"

    def _check_hooks(self, plugin: object) -> str | None:
        known = hookspecs.hook_names()
        for caller in self.pm.get_hookcallers(plugin) or []:
            if caller.spec is None:
                return _("implements unknown hook {hook!r}{suggestion}").format(
                    hook=caller.name, suggestion=did_you_mean(caller.name, known))
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and (impl.hookwrapper or impl.wrapper):
                    return _("declares hook {hook!r} as a wrapper,"
                             " which bilan does not support").format(hook=caller.name)
        return None

    def _unknown_argument(self, name: str, plugin: object) -> str | None:
        """Which hook implementation of ``plugin`` has an argument its specification does not
        have, said in one line with the closest argument and where the function is; ``None``
        when pluggy refused the plugin for another reason."""
        for attribute in dir(plugin):
            opts = self.pm.parse_hookimpl_opts(plugin, attribute)
            if opts is None:
                continue
            hook = opts.get("specname") or attribute
            caller = getattr(self.pm.hook, hook, None)
            if caller is None or caller.spec is None:
                continue
            impl = pluggy.HookImpl(plugin, name, getattr(plugin, attribute), opts)
            expected = [*caller.spec.argnames, *caller.spec.kwargnames]
            for argument in impl.argnames:
                if argument not in expected:
                    return _("implements hook {hook!r} with unknown argument {argument!r}"
                             "{suggestion} at {where}").format(
                        hook=hook, argument=argument,
                        suggestion=did_you_mean(argument, expected),
                        where=_where(impl.function))
        return None

    def _advise(self, info: PluginInfo, plugin: object) -> None:
        """Warn of a loaded plugin that implements no hook, or whose functions named like a
        hook are not marked ``@hookimpl`` (the plugin's mistake is then no longer silent)."""
        hooks = {caller.name for caller in self.pm.get_hookcallers(plugin) or []}
        unmarked = [function for hook, function in _hook_like_functions(plugin)
                    if hook not in hooks]
        for function in unmarked:
            self._warning(info, _("plugin {plugin}: function {function} is named like a hook but"
                                  " is not marked; did you forget `@hookimpl`?").format(
                plugin=info.label, function=_qualified(function)))
        if not hooks and not unmarked:
            self._warning(info, _("plugin {plugin} implements no hook: {module!r} has no"
                                  " @hookimpl function and no *.toml instrument file").format(
                plugin=info.label, module=info.module))

    def _warning(self, info: PluginInfo | None, message: str) -> None:
        """Say ``message`` through the host's warning channel, and keep it."""
        self.warnings.append(message)
        if info is not None:
            info.warnings.append(message)
        self.warn(message)

    def _fail(self, info: PluginInfo, error: str) -> None:
        # One line, whatever the exception said (pluggy's messages span lines).
        line = " ".join(error.split())
        info.status, info.error = "failed", line if len(line) <= 400 else line[:399] + "…"

    def failure_lines(self) -> list[str]:
        """One line per failed plugin, as the CLI prints them on stderr."""
        return [_("plugin {plugin} {error}; left out").format(plugin=p.label, error=p.error)
                for p in self.failures]

    def _check_strict(self) -> None:
        if self.strict and self.failures:
            raise PluginError("\n".join(self.failure_lines())
                              + "\n" + _("--strict: stopping because plugins failed to load"))

    def _collect(self) -> None:
        """Call every registration hook, one plugin at a time, and index what it registers.

        A plugin whose registration raises (``SystemExit`` included), registers the wrong kind
        of object or reuses an id another plugin registered is left out whole: none of what it
        registered is kept. ``register_commands`` is called here too, with a group of the
        plugin's own, so a plugin whose commands fail is known before any command runs.
        """
        for info in list(self.plugins.values()):
            if info.status != "loaded":
                continue
            plugin = self.pm.get_plugin(info.name)
            staged: list[tuple[str, Any]] = []
            try:
                for hook, kind in REGISTRATIONS.items():
                    for impl in self._impls_of(hook, plugin):
                        def register(obj: Any, hook: str = hook,
                                     kind: type | tuple[type, ...] = kind,
                                     staged: list[tuple[str, Any]] = staged) -> None:
                            if not isinstance(obj, kind):
                                expected = kind[0] if isinstance(kind, tuple) else kind
                                raise TypeError(
                                    _("{hook} registered {type}, expected {kind}").format(
                                        hook=hook, type=type(obj).__name__,
                                        kind=expected.__name__))
                            staged.append((hook, obj))
                        self._trace(hook, info.name, {"register": register})
                        self._timed(info.name, hook, impl.function,
                                    *[{"register": register}[a] for a in impl.argnames])
                staged += self._commands_of(info.name, plugin)
                seen: set[tuple[str, str]] = set()
                for hook, obj in staged:
                    key = _key_of(hook, obj, info.name)
                    owner = self.registry.owners.get((hook, key))
                    if owner is not None:
                        raise ValueError(
                            _("{hook}: {key!r} is already registered by plugin {owner!r}")
                            .format(hook=hook, key=key, owner=owner))
                    if (hook, key) in seen:
                        raise ValueError(_("{hook}: {key!r} is registered twice").format(
                            hook=hook, key=key))
                    seen.add((hook, key))
            except BaseException as exc:
                if is_interrupt(exc):
                    raise
                self.pm.unregister(plugin)
                self._fail(info, _("failed to register: {error}").format(
                    error=describe(exc)))
                continue
            for hook, obj in staged:
                key = _key_of(hook, obj, info.name)
                self.registry.table_for(hook)[key] = obj
                self.registry.owners[(hook, key)] = info.name

    def _commands_of(self, name: str, plugin: object) -> list[tuple[str, Any]]:
        """The commands a plugin adds with ``register_commands``, as staged registrations."""
        impls = self._impls_of("register_commands", plugin)
        if not impls:
            return []
        import click

        from bilan_core.cli import BUILTIN_COMMANDS

        collector = click.Group("bilan")
        for impl in impls:
            self._trace("register_commands", name, {})
            self._timed(name, "register_commands", impl.function,
                        *[{"cli": collector}[a] for a in impl.argnames])
        for command_name in collector.commands:
            if command_name in BUILTIN_COMMANDS:
                raise ValueError(_("register_commands: {command!r} is a built-in command")
                                 .format(command=command_name))
        return [("register_commands", command) for command in collector.commands.values()]

    def _impls_of(self, hook: str, plugin: object) -> list[pluggy.HookImpl]:
        caller = getattr(self.pm.hook, hook)
        return [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]

    def add_commands(self, cli: Any) -> None:
        """Add the commands plugins registered to the ``bilan`` group."""
        for command in self.registry.commands.values():
            cli.add_command(command)

    # ----------------------------------------------------------------------------- calling
    def _timed(self, plugin: str, hook: str, function: Callable[..., T], *args: Any) -> T:
        """Call one implementation; a call slower than ``slow_hook`` seconds is warned of.

        The time of the hooks it calls in turn (a step calling ``career_options``) is not
        counted as its own: each plugin is named for the time it spent itself.
        """
        self._nested.append(0.0)
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            total = time.perf_counter() - started
            elapsed = total - self._nested.pop()
            if self._nested:
                self._nested[-1] += total
            if elapsed > self.slow_hook:
                info = self.plugins.get(plugin)
                label = info.label if info is not None else repr(plugin)
                self._warning(None, _("plugin {plugin} took {elapsed:.1f} s in hook {hook!r}"
                                  " (warning threshold {threshold:g} s, BILAN_SLOW_HOOK)").format(
                    plugin=label, elapsed=elapsed, hook=hook, threshold=self.slow_hook))

    def call(self, hook: str, *, firstresult: bool = False, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of ``hook``, newest plugin first.

        Returns ``(plugin name, result)`` for each non-None result; with ``firstresult``, stops
        at the first. Anything an implementation raises (``SystemExit`` and every other
        exception but a real interrupt), or a result of the wrong type (:data:`RESULTS`),
        becomes a :class:`HookError` naming the plugin.
        """
        caller = getattr(self.pm.hook, hook)
        shape, kind = RESULTS.get(hook, ("any", None))
        results: list[tuple[str, Any]] = []
        impls = caller.get_hookimpls()
        if not impls:
            self._trace(hook, None, kwargs)
        for impl in reversed(impls):
            self._trace(hook, impl.plugin_name, kwargs)
            result = self._guarded(impl.plugin_name, hook, impl.function,
                                   [kwargs[a] for a in impl.argnames], shape, kind)
            if result is None:
                continue
            results.append((impl.plugin_name, result))
            if firstresult:
                break
        return results

    def call_list(self, hook: str, kind: type[T], **kwargs: Any) -> list[tuple[str, T]]:
        """Call a hook whose implementations return lists of ``kind``; flatten and type-check."""
        out: list[tuple[str, T]] = []
        for plugin, result in self.call(hook, **kwargs):
            problem = _result_problem(result, "list", kind)
            if problem:
                raise HookError(plugin, self.origin_of(plugin), hook, TypeError(problem))
            out.extend((plugin, x) for x in result)
        return out

    def call_component(self, hook: str, key: str, what: str, function: Callable[..., T],
                       *args: Any, expect: type | None = None) -> T:
        """Call a registered component's callable (a step, a funder, a renderer).

        Anything it raises (``SystemExit`` included), or a result that is not exactly of type
        ``expect``, becomes a :class:`HookError` naming the plugin that registered the
        component; a located error in the plugin's data (a :class:`BilanError`) is kept.
        """
        owner = self.registry.owners[(hook, key)]
        result: T = self._guarded(owner, what, function, list(args),
                                  "one" if expect is not None else "any", expect,
                                  keep_located=True)
        if expect is not None and result is None:
            raise HookError(owner, self.origin_of(owner), what, TypeError(
                _("returned None, expected {kind}").format(kind=expect.__name__)))
        return result

    def _guarded(self, plugin: str, what: str, function: Callable[..., Any], args: list[Any],
                 shape: str, kind: type | None, keep_located: bool = False) -> Any:
        """Run plugin code and check what it returns, both inside the guard.

        A plugin's result is plugin code too (a list subclass may raise while iterated), so
        it is checked and copied to plain values here: nothing a plugin gave is used after
        this line unchecked.
        """
        try:
            result = self._timed(plugin, what, function, *args)
            problem = _result_problem(result, shape, kind)
            if problem is None and shape == "list" and result is not None:
                result = list(result)
        except BilanError as exc:
            if keep_located:
                raise
            raise HookError(plugin, self.origin_of(plugin), what, exc) from None
        except BaseException as exc:
            if is_interrupt(exc):
                raise
            raise HookError(plugin, self.origin_of(plugin), what, exc) from None
        if problem:
            raise HookError(plugin, self.origin_of(plugin), what, TypeError(problem))
        return result

    def origin_of(self, plugin: str) -> str:
        info = self.plugins.get(plugin)
        if info is None:
            return _("registered at run time")
        distribution = info.distribution or _("no distribution")
        return f"{distribution} {info.version or ''}".strip()

    def _trace(self, hook: str, plugin: str | None, kwargs: Mapping[str, Any]) -> None:
        if self.trace is not None:
            args = ", ".join(f"{k}={_short(v)}" for k, v in kwargs.items())
            target = f"plugin {plugin!r}" if plugin else "no implementation"
            self.trace(f"hook {hook}({args}) -> {target}")


def _identity(value: object) -> object:
    return value


class InstrumentFolder:
    """The plugin of a distribution's instruments shipped without Python.

    Its entry point names a package folder holding ``*.toml`` instrument files and no hook
    implementation (``acme = "acme_instruments.instruments"``); the host registers this
    plugin in its place, which registers every file as a plugin calling
    :func:`~bilan_core.instruments.packaged_instruments` would: read when first used, a file
    that does not load being then an error naming its file, key and line.
    """

    def __init__(self, package: str) -> None:
        self.package = package

    @hookimpl
    def register_instruments(self, register: Callable[[Any], None]) -> None:
        for instrument in packaged_instruments(self.package, folder=""):
            register(instrument)

    def __repr__(self) -> str:
        return f"<instruments of {self.package}>"


def _holds_instruments(plugin: object) -> bool:
    """Whether ``plugin`` is a package whose folder holds ``*.toml`` files (the folder
    :func:`~bilan_core.instruments.packaged_instruments` reads)."""
    if not isinstance(plugin, ModuleType):
        return False
    locations = list(getattr(plugin, "__path__", None) or ())
    try:
        return bool(locations) and any(name.endswith(".toml")
                                       for name in os.listdir(locations[0]))
    except OSError:
        return False


def _hook_like_functions(plugin: object) -> list[tuple[str, Any]]:
    """The functions of ``plugin`` named like a hook but not marked ``@hookimpl``, with the
    hook's name.

    Read without running the plugin's code (no property, no ``__getattr__``)."""
    found = []
    for hook in hookspecs.hook_names():
        try:
            attribute = inspect.getattr_static(plugin, hook)
        except AttributeError:
            continue
        function = getattr(attribute, "__func__", attribute)  # staticmethod, classmethod
        if inspect.isfunction(function) and getattr(function, f"{PROJECT_NAME}_impl",
                                                    None) is None:
            found.append((hook, function))
    return found


def _qualified(function: Any) -> str:
    """``module.function``: how a message names a plugin's function."""
    return f"{function.__module__}.{function.__qualname__}"


def _where(function: Any) -> str:
    """``file:line`` of a function (its first decorator's line), or its qualified name."""
    code = getattr(function, "__code__", None)
    if code is None:
        return _qualified(function)
    return f"{code.co_filename}:{code.co_firstlineno}"


#: A requirement's project name, and what follows it (extras, version range, marker).
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(.*)", re.DOTALL)


def _unsupported_core(requires: Sequence[str]) -> str | None:
    """Why the installed bilan-core is not in the range a plugin's distribution requires
    (``Requires-Dist: bilan-core>=0.1,<0.2``), or ``None``.

    A requirement without a marker is read with ``packaging.specifiers`` alone; the complete
    parser (``packaging.requirements``, whose import costs several times more) reads only a
    requirement with a marker, an extra or a URL, which is rare: every start of the host reads
    the requirements of every installed plugin.
    """
    for requirement in requires:
        found = _REQUIREMENT.fullmatch(requirement)
        if not found or canonical_name(found.group(1)) != CORE_DISTRIBUTION:
            continue
        rest = found.group(2).strip()
        try:
            if any(mark in rest for mark in ";[@"):
                from packaging.requirements import Requirement

                parsed = Requirement(requirement)
                if parsed.url or (parsed.marker is not None
                                  and not parsed.marker.evaluate({"extra": ""})):
                    continue  # not a version range, or not a requirement of this install
                supported = parsed.specifier
            else:
                from packaging.specifiers import SpecifierSet

                supported = SpecifierSet(rest.removeprefix("(").removesuffix(")"))
        except ValueError as exc:  # InvalidRequirement, InvalidSpecifier, an unknown marker
            return _("has a requirement on bilan-core that cannot be read, {requirement!r}:"
                     " {error}").format(requirement=requirement, error=exc)
        if not supported.contains(__version__, prereleases=True):
            return _("requires {requirement}, but bilan-core {version} is installed").format(
                requirement=requirement, version=__version__)
    return None


def _result_problem(result: Any, shape: str, kind: type | None) -> str | None:
    """Why a hook's result does not have the documented type, or ``None``.

    Types are checked exactly (a subclass could change how the host reads the value)."""
    if result is None or shape == "any":
        return None
    if shape == "none":
        return _("returned {type}, expected nothing (None)").format(type=type(result).__name__)
    if shape == "one" and kind is not None and type(result) is not kind:
        return _("returned {type}, expected {kind}").format(type=type(result).__name__,
                                                          kind=kind.__name__)
    if shape == "list" and kind is not None and (
            type(result) not in (list, tuple) or not all(type(x) is kind for x in result)):
        return _("returned {type}, expected a list of {kind}").format(
            type=type(result).__name__, kind=kind.__name__)
    return None


def _seconds(value: str | None, default: float) -> float:
    try:
        seconds = float(value) if value else default
    except ValueError:
        return default
    return seconds if seconds > 0 else default


def _stderr_warning(line: str) -> None:
    print(_("bilan: warning: {message}").format(message=line), file=sys.stderr)


def _short(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    if callable(value) and not hasattr(value, "id"):
        return "<callback>"
    for attr in ("id", "name"):
        inner = getattr(value, attr, None)
        if isinstance(inner, str):
            return f"<{type(value).__name__} {inner}>"
    definition = getattr(value, "definition", None)
    if definition is not None:
        return f"<{type(value).__name__} {definition.id}>"
    if hasattr(value, "value"):
        return str(value.value)
    return f"<{type(value).__name__}>"


def _stderr_trace(line: str) -> None:
    print(f"bilan: {line}", file=sys.stderr)


def _distribution_of(module: str) -> tuple[str | None, str | None]:
    from importlib import metadata  # only for a plugin named with -p or plugins = [...]

    top = module.split(".")[0]
    try:
        dists = metadata.packages_distributions().get(top, [])
    except Exception:  # broken metadata on the machine must not stop the host
        dists = []
    if dists:
        try:
            return dists[0], metadata.version(dists[0])
        except metadata.PackageNotFoundError:
            return dists[0], None
    mod = sys.modules.get(module)
    version = getattr(mod, "__version__", None)
    return None, version if isinstance(version, str) else None
