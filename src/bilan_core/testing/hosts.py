"""Hosts holding only the plugin under test, plus the first-party plugins a test names.

A plugin is named in one of these forms (:data:`PluginSpec`), everywhere in the kit:

- a module or any object with hook implementations, registered in-process under its
  ``__name__`` (a test module may name itself: ``sys.modules[__name__]``);
- the name of an installed plugin (an entry point of the group ``bilan``: ``"values"``), or the
  module an entry point names (``"bilan_values.plugin"``): loaded as installed, under its
  entry-point name, with its distribution and version;
- the name of an installed distribution, with or without its ``bilan-`` prefix
  (``"bilan-funders"``, ``"funders"``): every entry point it declares in the group ``bilan``
  (a TOML-only instrument distribution included);
- the name or module of one of the core's built-in plugins (``"needs_analysis"``,
  ``"bilan_core.steps.needs_analysis"``), loaded in every host anyway;
- any other string is a module path imported as ``bilan -p MODULE`` would (the plugin is
  named after the path).

The core's built-in plugins (the five steps, the scorer, the renderers...) are always loaded,
as in every host; no other installed plugin is, whatever is installed on the machine
(``BILAN_PLUGINS`` is set to the named ones only), and a plugin that fails to load fails the
test (``strict``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from bilan_core.entrypoints import EntryPoint
    from bilan_core.plugins import PluginHost

#: How a test names a plugin: a module (or object), an installed plugin's or distribution's
#: name, or a module path.
PluginSpec = str | object

#: The first-party plugins the repository's example pipelines need.
EXAMPLE_PLUGINS = ("values", "riasec", "bigfive", "skills", "rome", "funders")

#: Environment variables a kit host keeps from the test's environment (for debugging).
KEPT_VARIABLES = ("BILAN_TRACE_HOOKS", "BILAN_SLOW_HOOK")

_NORMALIZE = re.compile(r"[-_.]+")


def _normalized(name: str) -> str:
    return _NORMALIZE.sub("_", name).lower()


@attrs.frozen
class Resolved:
    """How a set of plugin specs is loaded, and the names they get in the host."""

    objects: tuple[tuple[str, object], ...] = ()
    explicit: tuple[str, ...] = ()
    installed: tuple[str, ...] = ()
    builtin: tuple[str, ...] = ()  # always loaded: named only

    @property
    def names(self) -> tuple[str, ...]:
        """The plugin names the host gives them, in loading order."""
        return (*self.builtin, *self.installed, *self.explicit,
                *(name for name, _obj in self.objects))

    def __add__(self, other: Resolved) -> Resolved:
        return Resolved(_unique((*self.objects, *other.objects)),
                        _unique((*self.explicit, *other.explicit)),
                        _unique((*self.installed, *other.installed)),
                        _unique((*self.builtin, *other.builtin)))


def _unique(values: Iterable[Any]) -> tuple[Any, ...]:
    seen: list[Any] = []
    for value in values:
        if not any(value is v or value == v for v in seen):
            seen.append(value)
    return tuple(seen)


def installed_entry_points() -> list[EntryPoint]:
    """Every entry point of the group ``bilan`` on ``sys.path``."""
    from bilan_core.entrypoints import entry_points
    from bilan_core.plugins import ENTRY_POINT_GROUP

    return entry_points(ENTRY_POINT_GROUP)


def _installed_matching(name: str, points: Sequence[EntryPoint]) -> list[str]:
    """The entry-point names ``name`` stands for: itself, the module it names, or every entry
    point of the distribution it names (``bilan-`` prefix optional)."""
    direct = [ep.name for ep in points if ep.name == name or ep.value.split(":")[0] == name]
    if direct:
        return direct[:1]
    wanted = _normalized(name)
    return [ep.name for ep in points if ep.distribution is not None
            and _normalized(ep.distribution) in (wanted, f"bilan_{wanted}")]


def resolve(plugin: PluginSpec, points: Sequence[EntryPoint] | None = None) -> Resolved:
    """How one plugin spec is loaded (see the module docstring)."""
    from bilan_core.plugins import BUILTIN_PLUGINS

    name = getattr(plugin, "__name__", None) if not isinstance(plugin, str) else plugin
    builtin = [n for n, module in BUILTIN_PLUGINS if name in (n, module)]
    if builtin:
        return Resolved(builtin=tuple(builtin))
    if not isinstance(plugin, str):
        return Resolved(objects=((name if isinstance(name, str) else type(plugin).__name__,
                                  plugin),))
    found = _installed_matching(plugin, installed_entry_points() if points is None else points)
    if found:
        return Resolved(installed=tuple(found))
    return Resolved(explicit=(plugin,))


def resolve_installed(name: str, points: Sequence[EntryPoint] | None = None) -> Resolved:
    """A first-party (installed) plugin or distribution by name; raises :class:`LookupError`
    naming what is installed when nothing matches."""
    points = installed_entry_points() if points is None else points
    found = _installed_matching(name, points)
    if not found:
        known = sorted({ep.name for ep in points}
                       | {ep.distribution for ep in points if ep.distribution})
        raise LookupError(f"no installed bilan plugin or distribution is named {name!r};"
                          f" installed: {', '.join(known) or 'none'}")
    return Resolved(installed=tuple(found))


def resolve_all(plugins: Iterable[PluginSpec], first_party: Iterable[str] = ()) -> Resolved:
    """The plugins under test and the first-party plugins, as one host loads them."""
    points = installed_entry_points()
    resolved = Resolved()
    for plugin in plugins:
        resolved += resolve(plugin, points)
    for name in first_party:
        resolved += resolve_installed(name, points)
    return resolved


def installed_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names among ``names`` that an installed plugin or distribution answers to."""
    points = installed_entry_points()
    return tuple(name for name in names if _installed_matching(name, points))


def host_for(resolved: Resolved) -> PluginHost:
    """A loaded, strict host with the built-in plugins and the resolved ones only."""
    from bilan_core.plugins import PluginHost

    environ = {key: os.environ[key] for key in KEPT_VARIABLES if key in os.environ}
    environ["BILAN_PLUGINS"] = ",".join(resolved.installed)
    return PluginHost(explicit=resolved.explicit, objects=resolved.objects, environ=environ,
                      strict=True).load()


def build_host(*plugins: PluginSpec, first_party: Iterable[str] = ()) -> PluginHost:
    """A host with only ``plugins`` and the named ``first_party`` plugins (plus the core's
    built-in plugins, always there), loaded strictly: a plugin that fails to load raises
    :class:`~bilan_core.errors.PluginError` naming it.

    Args:
        plugins: The plugins under test, in any form of :data:`PluginSpec`.
        first_party: Installed plugins or distributions to load too (``"values"``,
            ``"funders"``, ``"pdf"``).

    Returns:
        The loaded host.

    Raises:
        PluginError: A plugin failed to import or to register.
        LookupError: A first-party name is not installed (the message lists what is).

    Example:
        ```python
        host = build_host("bilan_region.plugin", first_party=["funders"])
        assert "region_hdf" in host.registry.funders
        ```
    """
    return host_for(resolve_all(plugins, first_party))


_RESOLVED: dict[tuple[Any, ...], tuple[Resolved, Resolved]] = {}
_HOSTS: dict[tuple[Any, ...], PluginHost] = {}


def _spec_key(plugin: PluginSpec) -> Any:
    return plugin if isinstance(plugin, str) else ("object", id(plugin))


def shared_host(plugins: Sequence[PluginSpec], first_party: Sequence[str] = ()
                ) -> tuple[PluginHost, Resolved]:
    """A host built once per test session for the plugins it loads, with what was resolved
    for ``plugins`` alone (their names in the host). Conformance suites share it: do not
    change it.

    Specs that load the same plugins share one host (``"needs_analysis"``, a built-in, and
    no plugin at all, say), so suites share the sample dossiers run with it.
    """
    key = (tuple(_spec_key(p) for p in plugins), tuple(first_party))
    if key not in _RESOLVED:
        points = installed_entry_points()
        under_test = Resolved()
        for plugin in plugins:
            under_test += resolve(plugin, points)
        everything = under_test
        for name in first_party:
            everything += resolve_installed(name, points)
        _RESOLVED[key] = (everything, under_test)
    everything, under_test = _RESOLVED[key]
    # The objects are kept alive by the cache, so the ids in the key stay theirs.
    loaded = (tuple(("object", id(obj)) for _name, obj in everything.objects),
              everything.explicit, tuple(sorted(everything.installed)))
    if loaded not in _HOSTS:
        _HOSTS[loaded] = host_for(everything)
    return _HOSTS[loaded], under_test
