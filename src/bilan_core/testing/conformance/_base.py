"""What the conformance suites share: the subject under test, failures that list every
offending item, and the sample dossiers the section and renderer suites run on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest

from bilan_core.testing.hosts import PluginSpec

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.plugins import PluginHost


#: How many offending items a failure lists.
SHOWN = 15


def fail_if(problems: Sequence[str], what: str) -> None:
    """Fail listing ``problems`` (at most :data:`SHOWN`) under the sentence ``what``."""
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:SHOWN])
        more = f"\n  ... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        pytest.fail(f"{what}:\n{shown}{more}", pytrace=False)


@attrs.frozen
class Subject:
    """The host a suite runs in and the names the plugin under test has there."""

    host: PluginHost
    names: tuple[str, ...]

    @property
    def label(self) -> str:
        """How failures name the plugin under test: ``plugin 'x' (dist 1.0)``."""
        if not self.names:
            return "the core's built-in plugins"
        labels = [self.host.plugins[n].label if n in self.host.plugins else repr(n)
                  for n in self.names]
        return ("plugin " if len(labels) == 1 else "plugins ") + ", ".join(labels)

    def owner(self, hook: str, key: str) -> str | None:
        """The plugin that registered ``key`` through ``hook``, or None."""
        return self.host.registry.owners.get((hook, key))

    def check_owner(self, hook: str, key: str, kind: str, table: Mapping[str, Any]) -> None:
        """Fail unless ``key`` is registered, by the plugin under test when one is named."""
        owner = self.owner(hook, key)
        if owner is None:
            pytest.fail(f"{self.label} registers no {kind} {key!r}; registered: "
                        f"{', '.join(sorted(table)) or 'none'}", pytrace=False)
        if self.names and owner not in self.names:
            pytest.fail(f"{kind} {key!r} is registered by plugin {owner!r}, not by"
                        f" {self.label}", pytrace=False)


class Suite:
    """What every suite shares: the plugin under test and the host it runs in."""

    plugin: ClassVar[PluginSpec | None] = None
    first_party: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def subject(cls) -> Subject:
        """The shared host with the plugin under test (built once per session)."""
        from bilan_core.errors import PluginError
        from bilan_core.testing.hosts import shared_host

        plugins = () if cls.plugin is None else (cls.plugin,)
        try:
            host, resolved = shared_host(plugins, cls.first_party)
        except (PluginError, LookupError) as exc:
            pytest.fail(f"the host of {cls.__name__} cannot be built: {exc}", pytrace=False)
        return Subject(host, resolved.names)


def make_suite(base: type, name: str, **values: Any) -> type:
    """A subclass of ``base`` with ``values`` as class attributes, named for pytest."""
    cls = type(name, (base,), {"__doc__": base.__doc__, **values})
    cls.__module__ = base.__module__
    return cls


def class_name(prefix: str, key: str) -> str:
    """``TestFunder`` + ``region_hdf`` -> ``TestFunderRegionHdf``."""
    return prefix + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", key))


# =================================================================================== dossiers
@attrs.frozen
class Samples:
    """The sample dossiers by name, and the samples that failed to run, with why."""

    dossiers: dict[str, Dossier]
    failures: dict[str, str]


_SAMPLES: dict[tuple[Any, ...], Samples] = {}


def freeze(value: Any) -> Any:
    """A hashable copy of nested mappings and sequences."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


class DossierSuite(Suite):
    """A suite run on the sample dossiers (and the repository's examples)."""

    steps: ClassVar[tuple[str | Mapping[str, Any], ...]] = ()
    options: ClassVar[Mapping[str, Mapping[str, Any]] | None] = None
    examples: ClassVar[bool] = False

    @classmethod
    def samples(cls, tmp_path_factory: pytest.TempPathFactory) -> Samples:
        """The sample dossiers, run once per host, steps and options for the session."""
        from bilan_core.errors import BilanError
        from bilan_core.testing.factories import run_file, sample_pipelines

        subject = cls.subject()
        key = (id(subject.host), freeze(cls.steps), freeze(cls.options or {}), cls.examples)
        if key not in _SAMPLES:
            try:
                paths = sample_pipelines(subject.host, tmp_path_factory.mktemp("samples"),
                                         cls.steps, cls.options, repository=cls.examples)
            except LookupError as exc:
                pytest.fail(f"the sample pipelines for {subject.label} cannot be written:"
                            f" {exc.args[0]}", pytrace=False)
            dossiers, failures = {}, {}
            for name, path in paths.items():
                try:
                    dossiers[name] = run_file(path, subject.host)
                except BilanError as exc:
                    failures[name] = str(exc)
            _SAMPLES[key] = Samples(dossiers, failures)
        samples = _SAMPLES[key]
        if not samples.dossiers:
            fail_if([f"{name}: {error}" for name, error in samples.failures.items()],
                    f"with {subject.label}, no sample pipeline runs")
        return samples

    def test_runs_every_sample_pipeline(self, bilan_conformance: Any) -> None:
        """Every sample pipeline runs to its end with the plugin loaded, synthèse included
        (the other tests check the dossiers that did)."""
        failures = bilan_conformance.samples.failures
        fail_if([f"{name}: {error}" for name, error in failures.items()],
                f"with {type(self).subject().label}, sample pipelines fail")


def first_party_for_examples(first_party: Sequence[str] | None) -> tuple[tuple[str, ...], bool]:
    """The first-party plugins of a dossier suite and whether the repository's examples
    run: by default, the installed plugins the examples need."""
    from bilan_core.testing.factories import repository_examples
    from bilan_core.testing.hosts import EXAMPLE_PLUGINS, installed_names

    chosen = installed_names(EXAMPLE_PLUGINS) if first_party is None else tuple(first_party)
    examples = bool(repository_examples()) and all(p in chosen for p in EXAMPLE_PLUGINS)
    return chosen, examples


def counsellor_only(dossier: Dossier) -> list[str]:
    """Texts of the dossier that only the counsellor's working notes may show: validity
    flags, warnings of the run, career options ruled out."""
    from bilan_core.report.text import one_line

    texts = [flag for result in dossier.results.values() for flag in result.flags]
    texts += [w.render("fr") for w in dossier.warnings]
    excluded = dossier.extra.get("career_options", {})
    texts += [str(x) for x in (excluded.get("excluded", []) if isinstance(excluded, dict)
                               else [])]
    return [one_line(t) for t in texts if len(t.strip()) >= 20]


def duplicates(values: Iterable[str]) -> list[str]:
    """The values listed more than once, each once, in order."""
    seen: set[str] = set()
    twice: list[str] = []
    for value in values:
        if value in seen and value not in twice:
            twice.append(value)
        seen.add(value)
    return twice
