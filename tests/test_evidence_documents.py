"""The provider's evidence documents as PDFs: each kind printed from a realistic context and
read back with ``pdftotext -layout``; names typed by people printed as text, never as markup
or template code; no URL but a ``data:`` image loaded by the printer."""

from __future__ import annotations

import base64
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from conftest import require

pytest.importorskip("weasyprint")

from bilan_core.errors import RunError
from bilan_core.evidence import documents
from bilan_core.report.pdf import pdf_from_html

# The provider's logo, as the lead checks it: a data: URI of an image.
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="48" viewBox="0 0 120 48">'
        '<rect width="48" height="48" rx="10" fill="#2a6f4e"/>'
        '<path d="M12 30 L22 18 L30 26 L38 14" stroke="#fff" stroke-width="4" fill="none"/>'
        '<text x="56" y="31" font-family="DejaVu Sans" font-size="16" fill="#2a6f4e">CAP</text>'
        '</svg>')

PROVIDER = {
    "legal_name": "Cap Parcours Conseil", "siret": "73282932000074", "nda": "32590123459",
    "address": "12 rue des Écoles, 59000 Lille", "representative": "Jérôme Dubœuf",
    "qualiopi_certificate": "QUA-2025-0412",
    "logo": "data:image/svg+xml;base64," + base64.b64encode(LOGO.encode()).decode(),
    "colour": "#2a6f4e",
}
BENEFICIARY = {"civility": "Mme", "first_name": "Élodie", "last_name": "Garçon-Lefèvre",
               "address": "3 allée des Tilleuls, 59650 Villeneuve-d'Ascq",
               "email": "elodie.garcon@example.org", "employer": "Brasserie Ségolène SARL"}
DOSSIER = {"id": "D-2026-0042", "label": "Reconversion", "counsellor": "Amélie Nguyễn",
           "reference_date": date(2026, 11, 2), "status": "closed"}
COMMON = {"provider": PROVIDER, "beneficiary": BENEFICIARY, "dossier": DOSSIER,
          "generated_on": date(2027, 1, 15)}
FUNDER = {"kind": "opco", "label": "OPCO", "name": "Akto"}
PROGRAMME = {
    "title": "Bilan de compétences — reconversion",
    "objective": "Construire un projet de reconversion dans la formation pour adultes.",
    "steps": [
        {"title": "Analyse de la demande", "phase": "Phase préliminaire", "hours": Decimal("3")},
        {"title": "Exploration des compétences", "phase": "Phase d'investigation",
         "hours": Decimal("12.5")},
        {"title": "Conclusion et plan d'action", "phase": "Phase de conclusions",
         "hours": Decimal("8.5")},
    ],
    "total_hours": Decimal("24"), "start_on": date(2026, 11, 2), "end_on": date(2027, 1, 8),
    "modalities": "en présentiel et à distance",
    "methods": ["Inventaire d'intérêts professionnels (RIASEC)", "Portefeuille de compétences"],
}


def signature(role, name, at, via="screen"):
    return {"role": role, "name": name, "signed_at": at, "via": via}


ATTENDANCE = {**COMMON, "sessions": [
    {"id": 1, "held_on": date(2026, 11, 2), "hours": Decimal("3"), "step": "needs_analysis",
     "step_title": "Analyse de la demande", "phase": "Phase préliminaire",
     "modality": "presentiel", "altered": False, "remote": None,
     "signatures": [signature("beneficiary", "Élodie Garçon-Lefèvre", "2026-11-02T13:05:00Z"),
                    signature("counsellor", "Amélie Nguyễn", "2026-11-02T13:06:00Z")]},
    {"id": 2, "held_on": date(2026, 11, 16), "hours": Decimal("2.5"),
     "step": "skills_exploration", "step_title": "Exploration des compétences",
     "phase": "Phase d'investigation", "modality": "distance", "altered": False,
     "remote": {"first_connection": "2026-11-16T08:58:00Z",
                "last_connection": "2026-11-16T11:31:00Z",
                "activity": ["questionnaire RIASEC complété", "entretien en visioconférence"]},
     "signatures": [signature("beneficiary", "Élodie Garçon-Lefèvre", "2026-11-16T11:35:00Z",
                              "link")]},
    {"id": 3, "held_on": date(2026, 12, 1), "hours": Decimal("4"), "step": "career_options",
     "step_title": "Pistes d'orientation", "phase": "Phase d'investigation",
     "modality": "presentiel", "altered": True, "remote": None,
     "signatures": [signature("beneficiary", "Élodie Garçon-Lefèvre", "2026-12-01T16:00:00Z"),
                    signature("counsellor", "Amélie Nguyễn", "2026-12-01T16:01:00Z")]},
], "totals": {"planned_hours": Decimal("24"), "signed_hours": Decimal("5.5"),
              "logged_hours": Decimal("9.5"), "rate": 23}}
CERTIFICATE = {**COMMON, "entry_on": date(2026, 11, 2), "exit_on": date(2027, 1, 8),
               "hours_done": Decimal("22.5"), "planned_hours": Decimal("24"), "rate": 94,
               "funder": FUNDER, "place": "Lille"}
AGREEMENT = {**COMMON, "programme": PROGRAMME, "price": Decimal("1950"),
             "payment_terms": "Facture à la fin du bilan, payable à 30 jours.",
             "funder": FUNDER,
             "signing": {"sent_on": date(2026, 10, 12), "deadline": date(2026, 10, 22),
                         "signed_on": date(2026, 10, 15)},
             "results_handover": "Le document de synthèse est remis en main propre au"
                                 " bénéficiaire lors du dernier entretien."}
INFORMATION = {**COMMON, "programme": PROGRAMME, "retention": {"keep_until": date(2028, 1, 8)},
               "consent": {"given_on": None}, "funder": FUNDER,
               "contact": {"counsellor": "Amélie Nguyễn"}}
INDEX = {**COMMON, "documents": [
    {"file": "D-2026-0042/emargement.pdf", "title": "Feuille d'émargement",
     "indicators": [10, 11], "rule": "R6313-3, D6313-3-1"},
    {"file": "D-2026-0042/certificat.pdf", "title": "Certificat de réalisation",
     "indicators": [11], "rule": "arrêté du 21 décembre 2018"},
], "period": "année 2026", "dossiers": ["D-2026-0042", "D-2026-0043"], "purged_note": True}

CASES = {"attendance": ("attendance", ATTENDANCE),
         "certificate": ("certificate", CERTIFICATE),
         "agreement-tripartite": ("agreement", {**AGREEMENT, "variant": "tripartite"}),
         "agreement-funder": ("agreement", {**AGREEMENT, "variant": "funder"}),
         "agreement-individual": ("agreement", {**AGREEMENT, "variant": "individual",
                                                "funder": {"kind": "individual",
                                                           "label": "", "name": None}}),
         "information": ("information", INFORMATION),
         "index": ("index", INDEX)}


def flat(text: str) -> str:
    """Text with every run of whitespace (no-break spaces and line ends included) as one
    space: a paragraph reads as one line, whatever its wrapping."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    """Every case printed once, as the text ``pdftotext -layout`` reads from it."""
    tool = require("pdftotext")
    folder = tmp_path_factory.mktemp("evidence")
    out = {}
    for name, (kind, context) in CASES.items():
        pdf = documents.render_pdf(kind, context)
        assert pdf.startswith(b"%PDF-")
        path = folder / f"{name}.pdf"
        path.write_bytes(pdf)
        out[name] = flat(subprocess.run([tool, "-layout", str(path), "-"], capture_output=True,
                                        text=True, check=True).stdout)
    return out


def test_every_document_carries_the_providers_identity_and_page_numbers(texts):
    for name, text in texts.items():
        assert "Cap Parcours Conseil" in text, name
        assert "SIRET : 732 829 320 00074" in text, name
        assert ("Déclaration d'activité enregistrée sous le n° 32 59 01234 59 — cet"
                " enregistrement ne vaut pas agrément de l'État") in text, name
        assert "QUA-2025-0412" in text, name
        assert re.search(r"Page 1 / \d", text), name
        assert "dossier D-2026-0042" in text, name


def test_the_attendance_sheet_shows_each_session_its_signatures_and_the_totals(texts):
    text = texts["attendance"]
    assert "Feuille d'émargement" in text
    for expected in ("Mme Élodie Garçon-Lefèvre", "2 novembre 2026", "16 novembre 2026",
                     "1er décembre 2026", "Présentiel", "À distance", "2,5 h", "Phase préliminaire",
                     # 13:05 UTC is 14:05 in Paris in November
                     "signé le 2 novembre 2026 à", "14 h 05 (sur place)",
                     "signé le 16 novembre 2026 à", "12 h 35 (à distance par lien", "Amélie Nguyễn",
                     "Séance modifiée après signature : signature invalide",
                     "Connexions : du 16 novembre 2026 à 9 h 58 au 16 novembre 2026 à 12 h 31",
                     "activités : questionnaire RIASEC complété, entretien en visioconférence",
                     "Taux de réalisation 23 %", "SHA-256", "R6313-3", "D6313-3-1"):
        assert expected in text, expected
    # the distance session has no counsellor's signature
    assert text.count("non signée") == 1
    # the flag is on the altered session only
    assert text.count("Séance modifiée après signature") == 1


def test_the_certificate_follows_the_model_with_the_bilan_box_checked(texts):
    text = texts["certificate"]
    for expected in ("Certificat de réalisation",
                     "Je soussigné(e) Jérôme Dubœuf, représentant légal du dispensateur de"
                     " l'action concourant au développement des compétences Cap Parcours"
                     " Conseil, atteste que",
                     "Mme Élodie Garçon-Lefèvre, salarié(e) de l'entreprise Brasserie Ségolène"
                     " SARL, a suivi l'action : Bilan de compétences",
                     "☐ action de formation", "☒ bilan de compétences", "☐ action de VAE",
                     "☐ action de formation par apprentissage",
                     "du 2 novembre 2026 au 8 janvier 2027",
                     "22,5 heures réalisées sur 24 heures prévues",
                     "taux de réalisation : 94 %",
                     "pendant une durée de 3 ans à compter de la fin de l'année du dernier"
                     " paiement",
                     "Fait à Lille, le 15 janvier 2027", "OPCO — Akto"):
        assert expected in text, expected


def test_without_an_employer_the_certificate_names_none():
    html = documents.render_html("certificate", {
        **CERTIFICATE, "beneficiary": {**BENEFICIARY, "employer": ""}, "place": None})
    assert "salarié(e)" not in html
    assert 'class="blank"' in html  # the place is left to be written by hand


def test_the_tripartite_agreement_lists_every_item_of_r6313_8_and_the_ten_days(texts):
    text = texts["agreement-tripartite"]
    for expected in ("Convention tripartite de bilan de compétences", "R6313-8",
                     "Intitulé de l'action", "Objectif et contenu", "Moyens",
                     "Durée et période de réalisation",
                     "Modalités de déroulement et de suivi",
                     "Modalités de remise des résultats détaillés et du document de synthèse",
                     "Prix et modalités de règlement", "1 950,00 €", "12,5 h",
                     "du 2 novembre 2026 au 8 janvier 2027",
                     "Le salarié dispose d'un délai de dix jours à compter de la transmission"
                     " de la convention pour la signer ; l'absence de réponse dans ce délai"
                     " vaut refus. Le refus ne constitue ni une faute ni un motif de"
                     " licenciement.",
                     "jusqu'au 22 octobre 2026", "226-13", "R6313-7",
                     "Fait en trois exemplaires originaux"):
        assert expected in text, expected
    for party in ("L'employeur", "Le bénéficiaire", "L'organisme prestataire"):
        assert text.count(party) == 2, party  # among the parties, and a signature box


def test_the_funder_agreement_is_signed_by_the_funder(texts):
    text = texts["agreement-funder"]
    assert "D6353-1" in text
    assert "Le financeur" in text and "L'employeur" not in text
    assert "Le salarié dispose d'un délai de dix jours" not in text


def test_the_individual_contract_has_the_withdrawal_period_and_the_30_percent_cap(texts):
    text = texts["agreement-individual"]
    for expected in ("Contrat de bilan de compétences", "L6353-3 à L6353-7",
                     "délai de dix jours pour se rétracter",
                     "Aucune somme ne peut être exigée du bénéficiaire avant l'expiration",
                     "plus de 30 % du prix convenu", "lecture de l'organisme prestataire"):
        assert expected in text, expected
    assert "Le financeur" not in text and "L'employeur" not in text
    assert "Fait en deux exemplaires originaux" in text


def test_the_information_document_explains_the_phases_consent_and_follow_up(texts):
    text = texts["information"]
    for expected in ("Document d'information préalable", "L6313-1", "L6313-4", "R6313-4",
                     "La phase préliminaire", "La phase d'investigation",
                     "La phase de conclusions", "Exploration des compétences", "24 h",
                     "pas des tests de sélection", "R6313-7", "jusqu'au 8 janvier 2028",
                     "Le bilan ne peut être réalisé qu'avec votre consentement ; le refus"
                     " d'un salarié d'y consentir ne constitue ni une faute ni un motif de"
                     " licenciement (L6313-4)",
                     "Signature", "six mois", "indicateur 30"):
        assert expected in text, expected


def test_the_index_lists_the_documents_and_says_what_the_pack_never_holds(texts):
    text = texts["index"]
    for expected in ("D-2026-0042/emargement.pdf", "Certificat de réalisation", "10, 11",
                     "année 2026", "D-2026-0043",
                     "Ce dossier de preuves ne contient aucun résultat, score, document de"
                     " synthèse ni texte libre du bilan"):
        assert expected in text, expected


def test_missing_legal_details_are_shown_as_such():
    html = documents.render_html("certificate", {
        **CERTIFICATE, "provider": {"legal_name": "Cap Parcours Conseil"},
        "beneficiary": {}, "dossier": {"id": "D-1"}})
    assert html.count("non renseigné") >= 3  # SIRET, NDA, the beneficiary's name
    assert "Qualiopi" not in html


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("3"), "3\u00a0h"), (Decimal("3.00"), "3\u00a0h"), (Decimal("2.50"), "2,5\u00a0h"),
    (Decimal("10"), "10\u00a0h"), (None, ""),
])
def test_hours_have_a_decimal_comma_and_no_useless_zero(value, expected):
    assert documents.hours(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1950"), "1\u202f950,00\u00a0€"), ("1234567.5", "1\u202f234\u202f567,50\u00a0€"),
    (Decimal("103.2"), "103,20\u00a0€"), (Decimal("0"), "0,00\u00a0€"),
])
def test_amounts_are_in_euros_with_french_separators(value, expected):
    assert documents.euros(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (date(2026, 11, 2), "2 novembre 2026"), ("2027-05-01", "1er mai 2027"),
    ("2026-08-15", "15 août 2026"), ("2026-12-31T23:30:00Z", "1er janvier 2027"),
])
def test_dates_are_in_french_words(value, expected):
    assert documents.day(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-02T13:05:00Z", "2 novembre 2026 à 14 h 05"),  # winter time, UTC+1
    ("2026-07-14T08:00:00+00:00", "14 juillet 2026 à 10 h 00"),  # summer time, UTC+2
    ("2026-07-14T08:00:00", "14 juillet 2026 à 10 h 00"),  # no offset: UTC
])
def test_instants_are_shown_in_paris_time(value, expected):
    assert documents.moment(value) == expected


def test_names_are_printed_as_typed_never_as_markup_or_template_code():
    name = "<script>alert(1)</script>{{ 7*7 }}{% raw %}"
    html = documents.render_html("attendance", {
        **ATTENDANCE, "beneficiary": {**BENEFICIARY, "last_name": name},
        "provider": {**PROVIDER, "legal_name": name},
        "dossier": {**DOSSIER, "id": 'D-1"; } body { background: red'}})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}{% raw %}" in html
    assert "49" not in html
    assert '"; } body' not in html  # the dossier id in the CSS footer stays inside its string


@pytest.mark.parametrize("changes", [
    {"logo": "http://127.0.0.1:9/x.png"}, {"logo": "file:///etc/passwd"},
    {"colour": "red; } body { background: url(http://127.0.0.1:9/) }"},
])
def test_a_logo_or_colour_that_is_not_what_the_contract_says_is_refused(changes):
    with pytest.raises(ValueError):
        documents.render_html("index", {**INDEX, "provider": {**PROVIDER, **changes}})


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.png", "file:///etc/passwd"])
def test_the_printer_loads_no_url_but_an_embedded_image(url):
    with pytest.raises(RunError, match="refused"):
        pdf_from_html(f'<html><body><p>x</p><img src="{url}"></body></html>')


def test_unknown_kinds_and_variants_are_refused():
    with pytest.raises(ValueError, match="unknown evidence document"):
        documents.render_html("invoice", COMMON)
    with pytest.raises(ValueError, match="variant"):
        documents.render_html("agreement", {**AGREEMENT, "variant": "bipartite"})
