"""The renderer suite: :func:`renderer_suite`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest

from bilan_core.testing.conformance._base import (
    DossierSuite,
    Samples,
    class_name,
    counsellor_only,
    fail_if,
    first_party_for_examples,
    make_suite,
)
from bilan_core.testing.hosts import PluginSpec

if TYPE_CHECKING:
    from bilan_core.components import Renderer
    from bilan_core.model import Dossier
    from bilan_core.outputs import OutputFile


@attrs.frozen
class RendererCase:
    """The sample dossiers, every document rendered from them, and the first sample's
    beneficiary document rendered once more beforehand (None if that failed)."""

    samples: Samples
    renders: tuple[Render, ...]
    first: bytes | None

    @property
    def dossiers(self) -> dict[str, Dossier]:
        """The sample dossiers that ran, by name."""
        return self.samples.dossiers


@attrs.frozen
class Render:
    """One document rendered from a sample dossier, with what the renderer read meanwhile."""

    dossier: str
    document: str  # beneficiary, counsellor, or the recipient of a copy
    file: OutputFile | None
    error: str | None
    files_read: tuple[str, ...]
    network: tuple[str, ...]


class RendererChecks(DossierSuite):
    """Conformance of one renderer (see :func:`renderer_suite`)."""

    format: ClassVar[str]
    validate: ClassVar[Callable[[bytes], str | None] | None] = None

    @classmethod
    def renderer(cls) -> Renderer:
        """The renderer under test, registered by the plugin."""
        subject = cls.subject()
        subject.check_owner("register_renderers", cls.format, "renderer",
                            subject.host.registry.renderers)
        return subject.host.registry.renderers[cls.format]

    @classmethod
    def render(cls, dossier: Dossier, audience: str, recipient: str | None) -> OutputFile:
        """Render one document of the dossier as ``bilan run`` does."""
        from bilan_core.model import Audience
        from bilan_core.pipeline import render_outputs

        return render_outputs(dossier, (cls.format,), cls.subject().host, Audience(audience),
                              recipient=recipient)[0]

    @classmethod
    def prepare(cls, tmp_path_factory: pytest.TempPathFactory) -> RendererCase:
        """Every document of every sample dossier (the beneficiary's, each copy the
        beneficiary agreed to share, the counsellor's notes), rendered once for the class
        (``bilan_conformance``) while the files read and the network are watched."""
        from bilan_core.errors import BilanError
        from bilan_core.testing.audit import package_folders, watching

        subject = cls.subject()
        samples = cls.samples(tmp_path_factory)
        dossiers = samples.dossiers
        cls.renderer()
        modules = [info.module for info in subject.host.plugins.values()
                   if info.status == "loaded"]
        first = next(iter(dossiers.values()))
        # Once unwatched: first imports (a PDF library's) read what they need. A failure is
        # reported by the watched render below.
        try:
            earlier: bytes | None = cls.render(first, "beneficiary", None).content
        except BilanError:
            earlier = None
        renders = []
        for name, dossier in dossiers.items():
            documents: list[tuple[str, str | None]] = [("beneficiary", None),
                                                       ("counsellor", None)]
            documents += [("beneficiary", r) for r in dossier.recipients if r != "beneficiary"]
            for audience, recipient in documents:
                with watching(package_folders(modules)) as record:
                    try:
                        output, error = cls.render(dossier, audience, recipient), None
                    except BilanError as exc:
                        output, error = None, str(exc)
                renders.append(Render(name, recipient or audience, output, error,
                                      tuple(record.files), tuple(record.network)))
        return RendererCase(samples, tuple(renders), earlier)

    def _label(self) -> str:
        return f"renderer {type(self).format!r} of {type(self).subject().label}"

    def test_is_registered_with_a_file_extension_and_a_media_type(self) -> None:
        """The plugin registers the renderer with a plain file extension (letters and
        digits) and a media type ``type/subtype``."""
        renderer = type(self).renderer()
        assert re.fullmatch(r"[a-z0-9]+", renderer.extension), (
            f"{self._label()} has extension {renderer.extension!r}: use letters and digits,"
            " without a dot")
        assert re.fullmatch(r"[a-z]+/[a-z0-9.+-]+(;.*)?", renderer.media_type), (
            f"{self._label()} has media type {renderer.media_type!r}")

    def test_renders_every_sample_dossier(self, bilan_conformance: RendererCase) -> None:
        """Every document of every sample dossier renders."""
        problems = [f"{r.dossier}, {r.document}: {r.error}" for r in bilan_conformance.renders
                    if r.error]
        fail_if(problems, f"{self._label()} fails")

    def test_output_is_valid_in_its_format(self, bilan_conformance: RendererCase) -> None:
        """Each document is valid in its format (:func:`bilan_core.testing.formats.
        format_problem`: JSON parses, HTML loads and runs nothing, a PDF has pages and no
        script...), and passes the suite's own ``validate``."""
        from bilan_core.testing.formats import format_problem

        cls = type(self)
        renderer = cls.renderer()
        problems = []
        for render in bilan_conformance.renders:
            if render.file is None:
                continue
            problem = format_problem(cls.format, renderer.media_type, render.file.content)
            if problem is None and cls.validate is not None:
                problem = type(self).validate(render.file.content)  # type: ignore[misc]
            if problem:
                problems.append(f"{render.dossier}, {render.document}: {problem}")
        fail_if(problems, f"{self._label()} writes invalid documents")

    def test_file_names_are_deterministic(self, bilan_conformance: RendererCase) -> None:
        """Documents are named ``synthese.EXT``, ``synthese-RECIPIENT.EXT`` and
        ``notes-consultant.EXT``, from the renderer's extension alone."""
        extension = type(self).renderer().extension
        problems = []
        for render in bilan_conformance.renders:
            if render.file is None:
                continue
            stem = {"beneficiary": "synthese", "counsellor": "notes-consultant"}.get(
                render.document, f"synthese-{render.document}")
            if render.file.name != f"{stem}.{extension}":
                problems.append(f"{render.dossier}, {render.document}: {render.file.name!r}")
        fail_if(problems, f"{self._label()} writes unexpected file names")

    def test_output_is_the_same_each_time(self, bilan_conformance: RendererCase) -> None:
        """Rendering the same dossier again gives the same bytes (no clock, no random)."""
        first = bilan_conformance.renders[0]
        if first.file is None or bilan_conformance.first is None:
            pytest.skip("the first sample does not render (see test_renders_every_sample_dossier)")
        assert bilan_conformance.first == first.file.content, (
            f"{self._label()} renders {first.dossier} differently the second time")

    def test_reads_no_file_and_uses_no_network(self, bilan_conformance: RendererCase) -> None:
        """While rendering, the renderer reads no file but its packages', Python's, the
        installed packages' and the system fonts, and never reaches the network."""
        problems = [f"{r.dossier}, {r.document}: reads {path}" for r in bilan_conformance.renders
                    for path in r.files_read]
        problems += [f"{r.dossier}, {r.document}: uses the network ({call})"
                     for r in bilan_conformance.renders for call in r.network]
        fail_if(problems, f"{self._label()} reads files or the network")

    def test_keeps_working_notes_out_of_the_beneficiary_document(
            self, bilan_conformance: RendererCase) -> None:
        """A beneficiary's document (or a copy shared with a recipient) shows none of the
        counsellor's working notes: validity flags, the run's warnings, the career options
        ruled out (checked in the text of JSON, HTML and text formats)."""
        from bilan_core.testing.formats import visible_text

        cls = type(self)
        media_type = cls.renderer().media_type
        problems = []
        for render in bilan_conformance.renders:
            if render.file is None or render.document == "counsellor":
                continue
            text = visible_text(cls.format, media_type, render.file.content)
            if text is None:
                continue
            problems += [f"{render.dossier}, {render.document}: shows {secret[:70]!r}"
                         for secret in counsellor_only(bilan_conformance.dossiers[render.dossier])
                         if secret in text]
        fail_if(problems, f"{self._label()} shows the counsellor's working notes to the"
                " beneficiary")


def renderer_suite(format: str, plugin: PluginSpec | None = None, *,
                   first_party: Sequence[str] | None = None,
                   steps: Sequence[str | Mapping[str, Any]] = (),
                   options: Mapping[str, Mapping[str, Any]] | None = None,
                   validate: Callable[[bytes], str | None] | None = None) -> type:
    """A test class checking one renderer (an output format of the synthèse).

    Its tests, on every document of every sample dossier (the beneficiary's, the copies
    shared with a recipient, the counsellor's notes): the renderer is registered with a
    plain extension and a media type; every document renders; it is valid in its format
    (JSON parses; HTML parses and loads and runs nothing; Markdown and text are UTF-8; a PDF
    has pages, no script, attachment or link to the network, and ``pdftotext`` reads it);
    file names follow the extension; the same dossier renders to the same bytes; the
    renderer reads no file outside the installed packages and never the network; the
    beneficiary's documents show none of the counsellor's working notes.

    Args:
        format: The renderer's format (``html``, ``pdf``, ``txt``...).
        plugin: The plugin registering it; None for a built-in format.
        first_party: Installed plugins it needs besides the core; by default the
            first-party plugins the repository's examples need, those installed (the
            examples then run too, from a source checkout).
        steps: Steps to plan in every sample pipeline (see :func:`section_suite`).
        options: ``[plugin.NAME]`` sections of every sample pipeline, by plugin name.
        validate: A check of the format's own: returns why a document is invalid, or None.

    Returns:
        A pytest test class: bind it to a name starting with ``Test``.
    """
    chosen, examples = first_party_for_examples(first_party)
    return make_suite(RendererChecks, class_name("TestRenderer", format), format=format,
                      plugin=plugin, first_party=chosen, examples=examples, steps=tuple(steps),
                      options=options, validate=staticmethod(validate) if validate else None)

