"""System test: a dossier's evidence from creation to follow-up, through the store and the web
application in headless Chromium (axe-core on every new page), then every document read with
pdftotext against the dossier's figures.

The provider's details, the dossier, the beneficiary's identity, the sessions, the invoice, the
agreement and the information document are set from the command line; in the browser, the
beneficiary signs the first session on the counsellor's screen and the second, at a distance,
from her own link; the counsellor signs both and sends the satisfaction questionnaire, which the
beneficiary answers through its link. The bilan is closed (its content destroyed); six months
later the follow-up questionnaire is due, re-issued by ``bilan evidence reminders`` and answered
in a browser. The evidence pack of the dossier is then read: every PDF with pdftotext, the
completion, the feedback answers, the index; and the year's BPF figures.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import subprocess
from datetime import date, timedelta

import pytest
from conftest import require
from test_web_browser import PASSWORD, QUESTIONNAIRE, Browser, _axe, _bilan, _free_port, serve

from bilan_core.evidence.documents import day

pytestmark = pytest.mark.system

NAME = "Élodie Martin-Garçon"


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def test_evidence_from_creation_to_follow_up_in_the_browser(tmp_path):
    from selenium.webdriver.common.by import By

    pdftotext = require("pdftotext")
    axe = _axe()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    env.update(BILAN_DATA_DIR=str(tmp_path / "data"), BILAN_STORE=str(tmp_path / "store.sqlite"),
               LANGUAGE="fr", BILAN_WEB_SECRET="s" * 40)
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    ok(_bilan(env, "user", "add", "alice", "--role", "counsellor", "--password-file", secret))
    ok(_bilan(env, "provider", "set", "--legal-name", "Cap Parcours Conseil", "--siret",
              "73282932000074", "--nda", "32590123459", "--address",
              "3 rue des Lilas 59000 Lille", "--representative", "Anne Durand"))
    today = date.today()
    first_day, second_day = today - timedelta(days=7), today
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(QUESTIONNAIRE.replace("given_on = 2026-10-01",
                                              f"given_on = {first_day - timedelta(days=7)}")
                        + '\n[funding]\nprice = "1950.00"\n', encoding="utf-8")
    made = ok(_bilan(env, "dossier", "new", pipeline, "--counsellor", "alice", "--date",
                     first_day))
    dossier = made.stdout.split()[-1]
    ok(_bilan(env, "dossier", "identity", dossier, "--civility", "Mme", "--first-name",
              "Élodie", "--last-name", "Martin-Garçon", "--employer", "Entreprise Exemple"))
    ok(_bilan(env, "session", "log", dossier, "--date", first_day, "--hours", "2", "--step",
              "preparation"))
    ok(_bilan(env, "session", "log", dossier, "--date", second_day, "--hours", "3", "--step",
              "needs_analysis", "--modality", "distance"))
    ok(_bilan(env, "evidence", "information", dossier, "--output", tmp_path / "start",
              "--given", first_day - timedelta(days=7)))
    ok(_bilan(env, "evidence", "agreement", dossier, "--output", tmp_path / "start",
              "--funder", "employer", "--funder-name", "Entreprise Exemple", "--sent",
              first_day - timedelta(days=7), "--signed", first_day - timedelta(days=3)))
    ok(_bilan(env, "invoice", "add", dossier, "--number", "F-2026-014", "--payer", "employer",
              "--payer-name", "Entreprise Exemple", "--amount", "1950", "--date", today))
    link = ok(_bilan(env, "invite", dossier)).stdout.strip()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    link = link.replace("http://127.0.0.1:8000", base)
    server = serve(env, port)
    browsers: list[Browser] = []
    try:
        counsellor = Browser(tmp_path / "counsellor", axe, None)
        browsers.append(counsellor)
        counsellor.driver.get(f"{base}/connexion")
        counsellor.driver.find_element(By.ID, "compte").send_keys("alice")
        counsellor.driver.find_element(By.ID, "mot_de_passe").send_keys(PASSWORD)
        counsellor.submit()
        counsellor.driver.get(f"{base}/espace/dossiers/{dossier}")
        counsellor.follow(counsellor.driver.find_element(
            By.CSS_SELECTOR, f"a[href='/espace/dossiers/{dossier}/presence']").click)
        counsellor.check("emargement")
        # In person: she types her name on the counsellor's screen; he signs both.
        counsellor.driver.find_element(By.ID, "nom-1").send_keys(NAME)
        counsellor.submit("form:has(#nom-1)")
        assert "Séance 1 signée par" in counsellor.driver.find_element(By.TAG_NAME,
                                                                       "main").text
        for number in (1, 2):
            counsellor.submit(f"form:has(input[name=seance][value='{number}'])"
                              ":has(input[name=role][value=counsellor])")
        main = counsellor.driver.find_element(By.TAG_NAME, "main").text
        assert main.count("alice,") == 2 and main.count(NAME) == 1

        # At a distance: from her own link, the second session.
        beneficiary = Browser(tmp_path / "beneficiary", axe, None)
        browsers.append(beneficiary)
        beneficiary.driver.get(link)
        beneficiary.follow(beneficiary.driver.find_element(
            By.CSS_SELECTOR, "a[href='/reponses/presence']").click)
        beneficiary.check("signature")
        assert len(beneficiary.driver.find_elements(By.CSS_SELECTOR, "main form")) == 1
        beneficiary.driver.find_element(By.ID, "nom-2").send_keys(NAME)
        beneficiary.submit()
        assert "Aucune séance à signer" in beneficiary.driver.find_element(
            By.TAG_NAME, "main").text

        # The end of the bilan: the counsellor sends the satisfaction questionnaire.
        counsellor.driver.get(f"{base}/espace/dossiers/{dossier}")
        counsellor.submit(f"form[action='/espace/dossiers/{dossier}/retours']"
                          ":has(input[value=satisfaction])")
        satisfaction = counsellor.driver.find_element(By.CSS_SELECTOR,
                                                      "input.link").get_attribute("value")
        assert re.fullmatch(rf"{re.escape(base)}/invitation/[A-Za-z0-9_-]{{43}}", satisfaction)
        answer_feedback(Browser(tmp_path / "satisfaction", axe, None), browsers, satisfaction,
                        base, "satisfaction", pages=2)

        ok(_bilan(env, "dossier", "close", dossier, "--date", today))
        later = today + timedelta(days=190)
        due = ok(_bilan(env, "evidence", "reminders", "--date", later, "--base-url", base))
        follow_up = [line.split()[-1] for line in due.stdout.splitlines()
                     if line.startswith(dossier) and " suivi " in line]
        assert len(follow_up) == 1, due.stdout
        answer_feedback(Browser(tmp_path / "suivi", axe, None), browsers, follow_up[0], base,
                        "suivi", pages=1)
        counsellor.driver.get(f"{base}/espace/indicateurs")
        counsellor.check("indicateurs")
        assert "Questionnaire de satisfaction de fin de bilan" in counsellor.driver.find_element(
            By.TAG_NAME, "main").text
    finally:
        for browser in browsers:
            with contextlib.suppress(Exception):
                browser.close()
        server.terminate()
        server.communicate(timeout=30)

    # The evidence pack, once the content is destroyed: every document against the figures.
    ok(_bilan(env, "evidence", "pack", dossier, "--output", tmp_path / "pack", "--date",
              today))
    pack = tmp_path / "pack"
    texts = {path.name: subprocess.run([pdftotext, "-layout", str(path), "-"],
                                       capture_output=True, text=True, check=True).stdout
             for path in pack.glob("*.pdf")}
    assert set(texts) == {f"{dossier}-{n}.pdf" for n in ("information", "convention",
                                                          "emargement", "certificat")} | {
        "index.pdf"}
    completion = json.loads((pack / f"{dossier}-realisation.json").read_text("utf-8"))
    # 2 h + 3 h signed by her of 17 h planned: 29.4 % -> 29 %.
    assert (completion["signed_hours"], completion["planned_hours"], completion["rate"]) == (
        "5", "17", 29)
    assert (completion["entry_on"], completion["exit_on"]) == (str(first_day), str(second_day))
    sheet = texts[f"{dossier}-emargement.pdf"]
    assert sheet.count(NAME) == 4 and sheet.count("alice") >= 2
    flat = " ".join(sheet.split())
    # Three signatures on the counsellor's screen, hers of the remote session from her link.
    assert flat.count("(sur place)") == 3 and flat.count("(à distance par") == 1
    assert "Connexions : du" in sheet  # the link's openings that day, for the remote session
    assert "29 %" in sheet and "Cap Parcours Conseil" in sheet
    assert "Séance modifiée" not in sheet
    certificate = texts[f"{dossier}-certificat.pdf"]
    for expected in (day(first_day), day(second_day), "5 heures", "17 heures", "29 %",
                     "Mme Élodie Martin-Garçon", "Entreprise Exemple", "Anne Durand",
                     "Bilan de compétences"):
        assert expected in " ".join(certificate.split()), expected
    agreement = " ".join(texts[f"{dossier}-convention.pdf"].split())
    for expected in ("Entreprise Exemple", "1 950,00", "R6313-8", "Phase préliminaire",
                     day(first_day - timedelta(days=3))):
        assert expected in agreement, expected
    information = " ".join(texts[f"{dossier}-information.pdf"].split())
    assert "Phase d'investigation" in information and "R6313-7" in information
    answers = list(csv.DictReader(io.StringIO((pack / "questionnaires.csv").read_text(
        "utf-8"))))
    assert sorted({(a["questionnaire"]) for a in answers}) == ["satisfaction", "suivi"]
    assert len(answers) == 14 + 10 and {a["valeur"] for a in answers} == {"5"}
    index = json.loads((pack / "index.json").read_text("utf-8"))
    assert index["purged_note"] is True and len(index["documents"]) == 7
    for text in (*texts.values(), *(p.read_text("utf-8") for p in pack.glob("*.csv"))):
        assert "Trouver un métier" not in text and "Technicienne" not in text
    bpf = json.loads(ok(_bilan(env, "evidence", "bpf", "--year", today.year, "--json")).stdout)
    if first_day.year == today.year:
        assert (bpf["f3e"]["beneficiaries"], bpf["f3e"]["hours"]) == (1, "5")
    assert bpf["revenue"][0]["line"] == "C-1" and bpf["revenue"][0]["amount"] == "1950.00"


def answer_feedback(browser: Browser, browsers: list[Browser], link: str, base: str,
                    instrument: str, pages: int) -> None:
    """The beneficiary opens a feedback link in a new browser and answers every page with
    the highest point of the scale."""
    from selenium.webdriver.common.by import By

    browsers.append(browser)
    browser.driver.get(link)
    assert browser.driver.current_url == f"{base}/retours"
    main = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "Cap Parcours Conseil" in main
    browser.check(f"retours-{instrument}")
    browser.follow(browser.driver.find_element(By.CSS_SELECTOR,
                                               f"a[href='/retours/{instrument}']").click)
    browser.check(f"questionnaire-{instrument}")
    for _page in range(pages):
        browser.answer_page(4)
    assert browser.driver.current_url == f"{base}/retours/fin"  # the last page, thanks
    browser.check(f"merci-{instrument}")
    # The bilan's pages stay closed to a feedback link.
    browser.driver.get(f"{base}/reponses/presence")
    assert "Signer cette séance" not in browser.driver.page_source
