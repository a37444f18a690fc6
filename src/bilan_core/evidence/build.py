"""The evidence documents' contexts and the figures, read from the store.

Everything here reads the store's administrative records only (:meth:`Store.evidence_of
<bilan_core.store.evidence.EvidenceStore.evidence_of>`), never the bilan's content: the
documents survive the destruction of the bilan's documents.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bilan_core.evidence import figures


def period_entries(entries: Sequence[Mapping[str, Any]], start: date, end: date
                   ) -> list[Mapping[str, Any]]:
    """The dossiers (:meth:`Store.evidence_of` entries) with anything in the period: their
    reference date, a session, a dated fact, an invoice or a payment."""

    def inside(text: str) -> bool:
        return start <= date.fromisoformat(text) <= end

    def touched(entry: Mapping[str, Any]) -> bool:
        return (start <= entry["info"].reference_date <= end
                or any(start <= s.held_on <= end for s in entry["sessions"])
                or any(start <= r["on"] <= end for r in entry["records"])
                or any(inside(i["issued_on"]) or any(inside(p["paid_on"])
                                                     for p in i["payments"])
                       for i in entry["invoices"]))

    return [entry for entry in entries if touched(entry)]


def indicator_rows(store: Any, start: date, end: date, instruments: Mapping[str, Any],
                   today: date) -> list[dict[str, Any]]:
    """The provider's result indicators for a period (:func:`figures.indicators`), over
    every dossier the account sees."""
    entries = store.evidence_of([info.id for info in store.dossiers()])
    return figures.indicators(entries, start, end, instruments, store.complaints(), today)


def rows_to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Indicator rows as CSV (comma-separated, UTF-8, a header line), ready to publish."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["indicateur", "libellé", "valeur", "base"])
    for row in rows:
        writer.writerow([row["indicator"], _safe(row["label"]), row["value"],
                         _safe(row["basis"])])
    return out.getvalue()


def _safe(text: Any) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = str(text)
    return str("'" + text) if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- the documents' contexts -----------------------------------------------------------------

#: The phases as the documents name them.
PHASES = {"preliminary": "Phase préliminaire", "investigation": "Phase d'investigation",
          "conclusions": "Phase de conclusions"}
#: Who funds a bilan, as the documents name them (the payers of ``bilan invoice``).
FUNDERS = {
    "cpf": "Compte personnel de formation (CPF)",
    "opco": "OPCO",
    "employer": "Employeur",
    "france_travail": "France Travail",
    "public": "Financeur public",
    "individual": "Le bénéficiaire, à titre personnel",
    "provider": "Organisme de formation donneur d'ordre",
    "other": "Autre financeur",
}
#: The agreement each funder signs: an employer's is tripartite (R6313-8), a
#: self-paying beneficiary's is a contract (L6353-3), any other funder's an agreement
#: (D6353-1 I). A CPF bilan has none: the platform's terms take its place (D6353-1 III).
AGREEMENT_OF = {"employer": "tripartite", "individual": "individual"}
#: Days the employee has to sign a tripartite agreement (R6313-8: silence is a refusal).
SIGNING_DAYS = 10
#: How the results are handed over (R6313-8 asks the agreement to say it).
RESULTS_HANDOVER = (
    "Les résultats détaillés et le document de synthèse sont remis au seul bénéficiaire, lors "
    "de l'entretien de conclusion. Ils ne sont communiqués à un tiers, y compris l'employeur "
    "ou le financeur, qu'avec son accord écrit (Code du travail, art. L6313-4).")
MODALITIES = {"presentiel": "en présentiel", "distance": "à distance"}


def funder_of(entry: Mapping[str, Any]) -> dict[str, str]:
    """Who funds a dossier's bilan: the latest agreement recorded names it, else the first
    invoice's payer; ``{kind, label, name}`` (empty strings when unknown)."""
    kind = name = ""
    for record in entry["records"]:
        if record["kind"] in ("funding", "agreement_sent", "agreement_signed") and (
                record["detail"].get("funder")):
            kind = record["detail"]["funder"]
            name = record["detail"].get("funder_name") or ""
    if not kind and entry["invoices"]:
        kind = entry["invoices"][0]["payer"]
        name = entry["invoices"][0].get("payer_name") or ""
    return {"kind": kind, "label": FUNDERS.get(kind, ""), "name": name}


def common(entry: Mapping[str, Any], provider: Mapping[str, Any], today: date
           ) -> dict[str, Any]:
    """What every document shows: the provider, the beneficiary, the dossier."""
    info = entry["info"]
    identity = dict(entry["identity"])
    if not identity.get("employer") and entry["programme"].get("employer"):
        identity["employer"] = entry["programme"]["employer"]
    return {"provider": dict(provider), "beneficiary": identity,
            "dossier": {"id": info.id, "label": "" if info.label == info.id else info.label,
                        "counsellor": info.counsellor, "reference_date": info.reference_date,
                        "status": info.status},
            "generated_on": today}


def attendance(entry: Mapping[str, Any], provider: Mapping[str, Any], today: date
               ) -> dict[str, Any]:
    """The attendance sheet's context: every session with its signatures, those changed
    after a signature flagged, a remote session's connections and activity."""
    done = figures.completion(entry, today)
    titles = {s["id"]: s.get("title") or s["id"] for s in entry["programme"].get("steps", [])}
    sessions = []
    for session in sorted(entry["sessions"], key=lambda s: (s.held_on, s.id)):
        signed = [s for s in entry["signatures"] if s["session"] == session.id]
        remote = None
        if session.modality == "distance":
            proof = next((s["evidence"] for s in sorted(
                signed, key=lambda s: s["role"] != "beneficiary") if s["evidence"]), None)
            if proof is not None:
                activity = [f"{count} réponse{'s' if count > 1 else ''} au questionnaire"
                            f" « {instrument} »"
                            for instrument, count in sorted(proof["answers"].items())]
                activity += [f"signature depuis le lien personnel ({s['signer']})"
                             for s in signed if s["via"] == "link"]
                remote = {"first_connection": proof["first_connection"],
                          "last_connection": proof["last_connection"], "activity": activity}
        sessions.append({
            "id": session.id, "held_on": session.held_on, "hours": session.hours,
            "step": session.step, "step_title": titles.get(session.step, session.step),
            "phase": PHASES.get(session.phase, session.phase), "modality": session.modality,
            "signatures": [{"role": s["role"], "name": s["signer"], "signed_at": s["signed_at"],
                            "via": s["via"]} for s in signed],
            "altered": session.id in done.altered, "remote": remote})
    return {**common(entry, provider, today), "sessions": sessions,
            "totals": {"planned_hours": done.planned_hours, "signed_hours": done.signed_hours,
                       "logged_hours": done.logged_hours, "rate": done.rate}}


def certificate(entry: Mapping[str, Any], provider: Mapping[str, Any], today: date,
                place: str | None = None) -> dict[str, Any]:
    """The certificat de réalisation's context (arrêté of 21 December 2018): the dates of
    the first and last signed sessions, the hours done and planned."""
    done = figures.completion(entry, today)
    return {**common(entry, provider, today), "entry_on": done.entry_on,
            "exit_on": done.exit_on, "hours_done": done.signed_hours,
            "planned_hours": done.planned_hours, "rate": done.rate,
            "funder": funder_of(entry), "place": place or _town(provider.get("address"))}


def programme(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The programme as the agreement and the information document state it."""
    planned = entry["programme"]
    steps = [{"title": s.get("title") or s["id"], "phase": PHASES.get(s["phase"], s["phase"]),
              "hours": s["hours"]} for s in planned.get("steps", [])]
    sessions = entry["sessions"]
    modalities = sorted({MODALITIES.get(s.modality, s.modality) for s in sessions})
    return {
        "title": "Bilan de compétences",
        "objective": ("Permettre au bénéficiaire d'analyser ses compétences professionnelles "
                      "et personnelles ainsi que ses aptitudes et ses motivations, afin de "
                      "définir un projet professionnel et, le cas échéant, un projet de "
                      "formation (Code du travail, art. L6313-4)."),
        "steps": steps, "total_hours": planned.get("planned_hours"),
        "start_on": min((s.held_on for s in sessions), default=entry["info"].reference_date),
        "end_on": max((s.held_on for s in sessions), default=None),
        "modalities": " et ".join(modalities) if modalities else "en présentiel ou à distance,"
                      " selon ce qui est convenu lors de la phase préliminaire",
        "methods": list(planned.get("methods", [])),
    }


def agreement(entry: Mapping[str, Any], provider: Mapping[str, Any], today: date, *,
              variant: str, funder: Mapping[str, str], sent_on: date | None,
              signed_on: date | None, payment_terms: str | None = None) -> dict[str, Any]:
    """The agreement's context: the programme, the price, who pays, the signing period
    (ten days for the employee of a tripartite agreement, R6313-8; ten days to withdraw for
    a self-paying beneficiary, L6353-5) and how the results are handed over."""
    from datetime import timedelta

    price = entry["programme"].get("price")
    # The employee's ten days to sign run from the sending (R6313-8); a self-paying
    # beneficiary's ten days are to withdraw, from the signature (L6353-5): no deadline.
    deadline = (sent_on + timedelta(days=SIGNING_DAYS)
                if sent_on is not None and variant == "tripartite" else None)
    return {**common(entry, provider, today), "variant": variant,
            "programme": programme(entry), "price": price, "payment_terms": payment_terms,
            "funder": dict(funder),
            "signing": {"sent_on": sent_on, "deadline": deadline, "signed_on": signed_on},
            "results_handover": RESULTS_HANDOVER}


def information(entry: Mapping[str, Any], provider: Mapping[str, Any], today: date
                ) -> dict[str, Any]:
    """The information document's context: the programme, the phases, the methods, the
    confidentiality and destruction rules, the consent given and the funder."""
    consents = [c for c in entry["consents"] if c.kind == "bilan"]
    retention = [c.until for c in entry["consents"] if c.kind == "retention" and c.until]
    return {**common(entry, provider, today), "programme": programme(entry),
            "retention": {"keep_until": max(retention, default=None)},
            "consent": {"given_on": min((c.given_on for c in consents), default=None)},
            "funder": funder_of(entry),
            "contact": {"counsellor": entry["programme"].get("counsellor")
                        or entry["info"].counsellor}}


def _town(address: Any) -> str | None:
    """The town of a French postal address (what follows the postcode), if any."""
    import re

    found = re.search(r"\b\d{5}\s+([^\d,]+)$", str(address or "").strip())
    return found.group(1).strip() if found else None


# -- the evidence pack ---------------------------------------------------------------------

#: Each document of a pack: its title, the Qualiopi indicators it serves (décret 2019-565)
#: and the rule it follows. The pack's index prints them.
PACK_DOCUMENTS = {
    "information": ("Document d'information préalable", [1, 9],
                    "Code du travail, art. L6313-4 (consentement, confidentialité), "
                    "R6313-4 1° (phase préliminaire), R6313-7 (destruction des documents)"),
    "agreement": ("Convention ou contrat signé au démarrage", [4],
                  "R6313-8 (convention tripartite, délai de dix jours), D6353-1 I (autre "
                  "financeur), L6353-3 à L6353-7 (bénéficiaire payant lui-même) ; CPF : les "
                  "CGU en tiennent lieu (D6353-1 III)"),
    "attendance": ("Feuille d'émargement", [10],
                   "Preuve de l'assiduité : feuilles signées en présentiel, connexions et "
                   "activités à distance (R6313-3, D6313-3-1)"),
    "certificate": ("Certificat de réalisation", [10],
                    "Arrêté du 21 décembre 2018 (modèle du certificat de réalisation)"),
    "completion": ("Taux de réalisation, entrée et sortie déclarées", [10],
                   "CPF : heures réalisées ÷ heures prévues, nombre entier ; entrée et sortie "
                   "déclarées sous trois jours ouvrés (Caisse des dépôts, EDOF)"),
    "feedback": ("Réponses aux questionnaires de satisfaction et de suivi", [30],
                 "Recueil des appréciations (indicateur 30) ; entretien de suivi à six mois "
                 "(R6313-4 3° c)"),
    "invoices": ("Factures et paiements", [],
                 "Produits du BPF, cadre C (cerfa 10443)"),
    "indicators": ("Indicateurs de résultats de la période", [2],
                   "Indicateur 2 : indicateurs de résultats adaptés à la prestation"),
    "complaints": ("Registre des réclamations", [31],
                   "Indicateur 31 : traitement des difficultés et des réclamations"),
    "bpf": ("Chiffres du bilan pédagogique et financier", [],
            "L6352-11, R6352-22 (BPF, cerfa 10443) : ligne F-3 e, cadre F-1, cadre C"),
}


def dumps(value: Any) -> bytes:
    """JSON for a pack (dates and decimals as text)."""
    import json

    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
            + "\n").encode("utf-8")


def completion_record(entry: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A dossier's completion as plain data, with its dated facts (no content)."""
    import attrs

    done = attrs.asdict(figures.completion(entry, today))
    return {**done, "records": [{"kind": r["kind"], "on": r["on"], "detail": r["detail"]}
                                for r in entry["records"]]}


def feedback_rows(entries: Sequence[Mapping[str, Any]]) -> str:
    """The feedback answers as CSV: dossier, questionnaire, item, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["dossier", "questionnaire", "item", "valeur"])
    for entry in entries:
        for instrument, answers in sorted(entry["feedback"].items()):
            for item, value in sorted(answers.items()):
                writer.writerow([entry["info"].id, instrument, item, value])
    return out.getvalue()


def invoice_rows(entries: Sequence[Mapping[str, Any]]) -> str:
    """The invoices and payments as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["dossier", "facture", "émise le", "payeur", "nom du payeur", "montant",
                     "payé le", "payé", "reste dû"])
    for entry in entries:
        for invoice in entry["invoices"]:
            payments = invoice["payments"] or [{"paid_on": "", "amount": ""}]
            for payment in payments:
                writer.writerow([entry["info"].id, invoice["number"], invoice["issued_on"],
                                 invoice["payer"], _safe(invoice["payer_name"] or ""),
                                 invoice["amount"], payment["paid_on"], payment["amount"],
                                 invoice["due"]])
    return out.getvalue()


def complaint_rows(complaints: Sequence[Mapping[str, Any]]) -> str:
    """The complaints register as CSV, without its free text: number, dossier, dates, how
    it was received, whether it was answered (the subjects and answers stay in the store:
    ``bilan complaint list``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["numéro", "dossier", "reçue le", "canal", "traitée le", "réponse donnée",
                     "répondue le"])
    for c in complaints:
        writer.writerow([c["id"], c["dossier"] or "", c["received_on"], c["channel"],
                         c["handled_on"] or "", "oui" if c["answer"] else "non",
                         c["answered_on"] or ""])
    return out.getvalue()


def pack_files(entries: Sequence[Mapping[str, Any]], provider: Mapping[str, Any],
               today: date, *, period: tuple[date, date] | None = None,
               complaints: Sequence[Mapping[str, Any]] = (),
               instruments: Mapping[str, Any] | None = None,
               every: Sequence[Mapping[str, Any]] | None = None
               ) -> list[tuple[str, str, bytes]]:
    """The files of an evidence pack: ``(name, kind, content)``; its index last. Per
    dossier: information, agreement (when one was recorded), attendance sheet,
    certificate, completion; for all: feedback answers and invoices; for a period, the
    result indicators, the complaints register (without its free text) and the BPF
    figures of each whole year it covers, computed over ``every`` dossier the account sees
    (an invoice of the year may belong to a bilan of another year)."""
    from bilan_core.evidence.documents import render_html, render_pdf

    files: list[tuple[str, str, bytes]] = []
    listed: list[dict[str, Any]] = []

    def add(name: str, kind: str, content: bytes) -> None:
        files.append((name, kind, content))
        title, indicators, rule = PACK_DOCUMENTS[kind]
        listed.append({"file": name, "title": title, "indicators": indicators, "rule": rule})

    for entry in entries:
        dossier = entry["info"].id
        add(f"{dossier}-information.pdf", "information",
            render_pdf("information", information(entry, provider, today)))
        signed = [r for r in entry["records"] if r["kind"] in ("agreement_sent",
                                                                 "agreement_signed")]
        if signed:
            detail = signed[-1]["detail"]
            sent = next((r["on"] for r in signed if r["kind"] == "agreement_sent"), None)
            done = next((r["on"] for r in signed if r["kind"] == "agreement_signed"), None)
            add(f"{dossier}-convention.pdf", "agreement", render_pdf("agreement", agreement(
                entry, provider, today, variant=detail.get("variant", "funder"),
                funder=funder_of(entry), sent_on=sent, signed_on=done,
                payment_terms=detail.get("payment_terms"))))
        add(f"{dossier}-emargement.pdf", "attendance",
            render_pdf("attendance", attendance(entry, provider, today)))
        add(f"{dossier}-certificat.pdf", "certificate",
            render_pdf("certificate", certificate(entry, provider, today)))
        add(f"{dossier}-realisation.json", "completion", dumps(completion_record(entry,
                                                                                 today)))
    add("questionnaires.csv", "feedback", feedback_rows(entries).encode("utf-8"))
    add("factures.csv", "invoices", invoice_rows(entries).encode("utf-8"))
    if period is not None:
        start, end = period
        everyone = entries if every is None else every
        rows = figures.indicators(everyone, start, end, instruments or {}, complaints, today)
        add("indicateurs.csv", "indicators", rows_to_csv(rows).encode("utf-8"))
        add("reclamations.csv", "complaints", complaint_rows(
            [c for c in complaints if figures.in_period(c["received_on"], start, end)])
            .encode("utf-8"))
        for year in range(start.year, end.year + 1):
            if start <= date(year, 1, 1) and date(year, 12, 31) <= end:
                add(f"bpf-{year}.json", "bpf", dumps(figures.bpf(everyone, year)))
    index = {
        "provider": dict(provider, logo=None), "generated_on": today,
        "documents": listed, "dossiers": [e["info"].id for e in entries],
        "period": (f"du {period[0].isoformat()} au {period[1].isoformat()}"
                   if period is not None else None),
        "purged_note": any(e["info"].status == "purged" for e in entries),
        "beneficiary": {}, "dossier": {},
    }
    files.append(("index.json", "index", dumps({k: index[k] for k in (
        "documents", "dossiers", "period", "purged_note", "generated_on")})))
    index["provider"] = dict(provider)
    files.append(("index.pdf", "index", render_pdf("index", index)))
    files.append(("index.html", "index", render_html("index", index).encode("utf-8")))
    return files
