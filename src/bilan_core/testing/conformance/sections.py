"""The report section suite: :func:`section_suite`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from bilan_core.testing.conformance._base import (
    DossierSuite,
    Samples,
    class_name,
    counsellor_only,
    duplicates,
    fail_if,
    first_party_for_examples,
    make_suite,
)
from bilan_core.testing.hosts import PluginSpec

if TYPE_CHECKING:
    from bilan_core.model import Dossier, ReportSection


@attrs.frozen
class SectionCase:
    """The sample dossiers and what the plugin's ``report_sections`` returned for them."""

    samples: Samples
    calls: tuple[SectionCall, ...]

    @property
    def dossiers(self) -> dict[str, Dossier]:
        """The sample dossiers that ran, by name."""
        return self.samples.dossiers


@attrs.frozen
class SectionCall:
    """What the plugin's ``report_sections`` returned for one dossier and audience."""

    dossier: str
    audience: Any
    sections: tuple[ReportSection, ...] = ()
    error: str | None = None


class SectionChecks(DossierSuite):
    """Conformance of a plugin's report sections (see :func:`section_suite`)."""

    @classmethod
    def prepare(cls, tmp_path_factory: pytest.TempPathFactory) -> SectionCase:
        """The plugin's sections for each sample dossier and audience, computed once for
        the class (``bilan_conformance``)."""
        from bilan_core.errors import BilanError
        from bilan_core.model import Audience

        subject = cls.subject()
        samples = cls.samples(tmp_path_factory)
        dossiers = samples.dossiers
        calls = []
        for name, dossier in dossiers.items():
            for audience in Audience:
                try:
                    found = [section for plugin, sections in subject.host.call(
                        "report_sections", dossier=dossier, audience=audience)
                        if plugin in subject.names for section in sections]
                except BilanError as exc:
                    calls.append(SectionCall(name, audience, error=str(exc)))
                    continue
                calls.append(SectionCall(name, audience, tuple(found)))
        return SectionCase(samples, tuple(calls))

    def _label(self) -> str:
        return f"the report sections of {type(self).subject().label}"

    def test_implements_report_sections(self) -> None:
        """The plugin implements the ``report_sections`` hook."""
        subject = type(self).subject()
        implemented = [n for n in subject.names if "report_sections"
                       in subject.host.plugins[n].hooks]
        assert implemented, f"{subject.label} does not implement report_sections"

    def test_answers_for_each_audience(self, bilan_conformance: SectionCase) -> None:
        """On every sample dossier, asked for each audience, the hook returns a list of
        sections of that audience only (a counsellor's section says
        ``audience=Audience.COUNSELLOR``; working notes never reach another document)."""
        problems = [f"{c.dossier}, {c.audience.value}: {c.error}" for c in bilan_conformance.calls
                    if c.error]
        problems += [f"{c.dossier}: section {s.id!r} is for the {s.audience.value} when the"
                     f" {c.audience.value} was asked" for c in bilan_conformance.calls
                     for s in c.sections if s.audience is not c.audience]
        fail_if(problems, f"{self._label()} do not answer for the audience asked")

    def test_adds_sections(self, bilan_conformance: SectionCase) -> None:
        """The plugin adds at least one section to one of the sample dossiers (plan the
        steps its sections need with ``steps=``, give its notes with ``options=``)."""
        names = sorted({c.dossier for c in bilan_conformance.calls})
        assert any(c.sections for c in bilan_conformance.calls), (
            f"{self._label()}: no section on any sample dossier ({', '.join(names)}); plan the"
            " steps they need with steps=[...] and their notes with options={...}")

    def test_sections_are_well_formed(self, bilan_conformance: SectionCase) -> None:
        """Sections have ids unique in one answer and a title on one line, not blank."""
        problems = []
        for call in bilan_conformance.calls:
            where = f"{call.dossier}, {call.audience.value}"
            problems += [f"{where}: section id {d!r} is used twice"
                         for d in duplicates([s.id for s in call.sections])]
            problems += [f"{where}: section {s.id!r} has title {s.title!r}"
                         for s in call.sections if not s.title.strip() or "\n" in s.title]
        fail_if(problems, f"{self._label()} are ill-formed")

    def test_typed_text_stays_plain(self, bilan_conformance: SectionCase) -> None:
        """Text a person typed (the hostile notes of the ``texte-hostile`` sample) makes no
        bold and no list in a section body: it goes in through
        :func:`bilan_core.report.text.plain` (or ``bullets``, which applies it to each
        line)."""
        from bilan_core.report.text import blocks

        problems = []
        for call in bilan_conformance.calls:
            for section in call.sections:
                for kind, lines in blocks(section.body):
                    for runs in lines:
                        for bold, text in runs:
                            if bold and "HOSTILE" in text:
                                problems.append(f"{call.dossier}: section {section.id!r} makes"
                                                f" typed text bold: {text[:60]!r}")
                        first = runs[0][1] if runs else ""
                        if kind == "ul" and first.startswith("HOSTILE-LIST"):
                            problems.append(f"{call.dossier}: section {section.id!r} makes a"
                                            " list of typed text")
        fail_if(problems, f"{self._label()} let typed text make markup")

    def test_render_safely(self, bilan_conformance: SectionCase) -> None:
        """The plugin's sections, alone in a synthèse, render to HTML that loads and runs
        nothing (:func:`bilan_core.report.safety.check_html`): a chart's data, a title and a
        body are escaped wherever they go."""
        from bilan_core.components import RenderContext
        from bilan_core.model import Synthesis
        from bilan_core.report.html import render_page
        from bilan_core.testing.formats import format_problem

        problems = []
        for call in bilan_conformance.calls:
            if not call.sections:
                continue
            dossier = bilan_conformance.dossiers[call.dossier]
            alone = attrs.evolve(dossier, synthesis=Synthesis(
                sections=call.sections, written_on=dossier.reference_date))
            try:
                page = render_page(alone, RenderContext(audience=call.audience.value))
            except Exception as exc:  # the sections are what the page is built from
                problems.append(f"{call.dossier}, {call.audience.value}: {exc}")
                continue
            problem = format_problem("html", "text/html", page.encode())
            if problem:
                problems.append(f"{call.dossier}, {call.audience.value}: {problem}")
        fail_if(problems, f"{self._label()} do not render safely")

    def test_keep_working_notes_out_of_the_beneficiary_sections(
            self, bilan_conformance: SectionCase) -> None:
        """The beneficiary's sections show none of what only the counsellor's working notes
        show: validity flags, the run's warnings, the career options ruled out."""
        from bilan_core.model import Audience
        from bilan_core.report.text import one_line

        problems = []
        for call in bilan_conformance.calls:
            if call.audience is not Audience.BENEFICIARY:
                continue
            secrets = counsellor_only(bilan_conformance.dossiers[call.dossier])
            for section in call.sections:
                body = one_line(f"{section.title} {section.body}").replace("\\", "")
                problems += [f"{call.dossier}: section {section.id!r} shows {secret[:70]!r}"
                             for secret in secrets if secret in body]
        fail_if(problems, f"{self._label()} show the counsellor's working notes to the"
                " beneficiary")


def section_suite(plugin: PluginSpec | None = None, *,
                  first_party: Sequence[str] | None = None,
                  steps: Sequence[str | Mapping[str, Any]] = (),
                  options: Mapping[str, Mapping[str, Any]] | None = None) -> type:
    """A test class checking the report sections a plugin adds to the synthèse.

    Its tests, on every sample dossier (a private employee funded by the CPF, a job seeker,
    a public agent sharing her synthèse, notes full of hostile text, and the repository's
    examples when they run): the hook is implemented; asked for each audience, it returns
    sections of that audience only; it adds at least one section somewhere; sections have
    unique ids and one-line titles; typed text makes no markup in their bodies; they render
    to HTML that loads and runs nothing; the beneficiary's sections show none of the
    counsellor's working notes.

    Args:
        plugin: The plugin implementing ``report_sections``.
        first_party: Installed plugins it needs besides the core; by default the
            first-party plugins the repository's examples need, those installed (the
            examples then run too, from a source checkout).
        steps: Steps to plan in every sample pipeline (each where its phase puts it), for
            sections built from what a step records: ids or ``{"id": ..., "hours": ...}``.
        options: ``[plugin.NAME]`` sections to write in every sample pipeline, by plugin
            name (the name the plugin has in the host: its entry-point name, its module
            path, or a module's ``__name__``).

    Returns:
        A pytest test class: bind it to a name starting with ``Test``.
    """
    chosen, examples = first_party_for_examples(first_party)
    key = getattr(plugin, "__name__", plugin) if plugin is not None else "core"
    return make_suite(SectionChecks, class_name("TestSections", str(key)), plugin=plugin,
                      first_party=chosen, examples=examples, steps=tuple(steps), options=options)


