"""Tests of the plugin: bilan's conformance suite, and the sections of a dossier."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bilan_core import api
from bilan_core.model import Audience, Dossier
from bilan_core.plugins import PluginHost
from bilan_core.testing import conformance

DISTRIBUTION = "bilan-example-section"
PLUGIN = "example_section"

# What every section plugin must do, on sample dossiers (hostile text included): sections of
# the audience asked for only, well formed, plain typed text, safe HTML.
TestSections = conformance.section_suite(plugin=DISTRIBUTION)


def test_each_audience_gets_its_section(bilan_host: Callable[..., PluginHost],
                                        make_dossier: Callable[..., Dossier]) -> None:
    host = bilan_host(DISTRIBUTION)
    dossier = make_dossier(host)  # reference date 2026-11-02: follow-up around 2027-05-02
    assert dossier.synthesis is not None
    sections = {section.id: section for section in dossier.synthesis.sections}
    contacts = sections[f"{PLUGIN}_interlocuteurs"]
    assert contacts.audience is Audience.BENEFICIARY
    assert "- **Mon Compte Formation** :" in contacts.body
    assert "Vers le 02/05/2027, Centre de bilan Test vous proposera" in contacts.body
    closing = sections[f"{PLUGIN}_cloture"]
    assert closing.audience is Audience.COUNSELLOR
    assert "2. Détruire les documents du bilan à sa fin" in closing.body
    document = api.render_synthesis(dossier, "html", host=host)["html"].decode("utf-8")
    assert "Après le bilan : vos interlocuteurs" in document
    assert "Clôture du dossier" not in document


def test_the_closing_checklist_follows_the_retention_consent(
        bilan_host: Callable[..., PluginHost], make_dossier: Callable[..., Dossier]) -> None:
    consents = [{"kind": "bilan", "given_on": date(2026, 10, 1)},
                {"kind": "retention", "given_on": date(2026, 10, 1),
                 "until": date(2027, 6, 30)}]
    dossier = make_dossier(bilan_host(DISTRIBUTION), consent=consents)
    assert dossier.synthesis is not None
    (closing,) = [s for s in dossier.synthesis.sections if s.id == f"{PLUGIN}_cloture"]
    assert "2. Conserver les documents jusqu'au 30/06/2027" in closing.body
