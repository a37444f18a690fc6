"""System test: the web application in headless Chromium, with axe-core on every page.

A counsellor logs in, makes a dossier from one of the provider's templates, invites its
beneficiary and writes notes of the steps, all on the web; the beneficiary answers the 60-item
RIASEC inventory in the browser, closes it halfway, opens the same link in a new browser and
finishes; the counsellor finds the dossier, runs the remaining steps from its page, reads the
Holland code there and downloads the PDF, which pdftotext reads (the notes written on the web
are in it). axe-core (the npm package, ``BILAN_AXE`` names its ``axe.min.js``; ``.ci/run``
installs it) finds no violation at WCAG 2.1 A and AA on any page, at 1280 and 360 px wide;
screenshots of both widths are written under ``BILAN_SCREENSHOTS`` when it is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PIPELINE, require

pytestmark = pytest.mark.system

QUESTIONNAIRE = PIPELINE.replace(
    '[[steps]]\nid = "needs_analysis"\nhours = 3',
    '[[steps]]\nid = "needs_analysis"\nhours = 3\ninstruments = ["riasec"]'
) + '\n[report]\nformats = ["html", "pdf"]\n'
PASSWORD = "cheval-batterie-agrafe"
WIDTHS = (1280, 360)


def _axe() -> str:
    path = os.environ.get("BILAN_AXE", "")
    if not path or not Path(path).is_file():
        message = "axe-core is not installed (BILAN_AXE: .ci/run installs it with npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return Path(path).read_text("utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bilan(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bilan_core", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


class Browser:
    """Headless Chromium with a fresh profile, axe-core checks and screenshots."""

    def __init__(self, profile: Path, axe: str, shots: Path | None) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = require("chromium")
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--no-first-run",
                     "--disable-component-update", "--disable-sync",
                     f"--user-data-dir={profile}", "--window-size=1280,1000"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(
            service=Service(executable_path=require("chromedriver")), options=options)
        self.axe, self.shots, self.checked = axe, shots, []

    def check(self, name: str) -> None:
        """axe-core at both widths: no violation at WCAG 2.1 A and AA; nothing overflows."""
        for width in WIDTHS:
            self.driver.set_window_size(width, 1000)
            self.driver.execute_script(self.axe)
            found = self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {runOnly: {type: 'tag', values:"
                " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
                ".then(r => done(JSON.stringify(r.violations)))"
                ".catch(e => done(JSON.stringify([{id: 'axe-error', help: String(e)}])));")
            violations = json.loads(found)
            assert violations == [], (name, width, [(v["id"], v.get("help")) for v in
                                                    violations])
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth > window.innerWidth + 1")
            assert not overflow, (name, width)
            if self.shots is not None:
                self.driver.save_screenshot(str(self.shots / f"{name}-{width}.png"))
        self.driver.set_window_size(1280, 1000)
        self.checked.append(name)

    def answer_page(self, value: int) -> None:
        from selenium.webdriver.common.by import By

        groups = self.driver.find_elements(By.CSS_SELECTOR, "fieldset.item")
        for group in groups:
            group.find_elements(By.CSS_SELECTOR, "label")[value].click()
        self.submit()

    def submit(self, form: str = "main form") -> None:
        """Send a form of the page (the first of ``main`` by default); wait for the next page."""
        from selenium.webdriver.common.by import By

        self.follow(lambda: self.driver.find_element(
            By.CSS_SELECTOR, f"{form} button[type=submit]").click())

    def follow(self, act: Callable[[], object], seconds: float = 30) -> None:
        """Do what loads a new page, and wait until that page has loaded.

        The page is marked before; the wait ends when a loaded document lacks the mark.
        While the browser navigates, Chromium's driver may answer any command with an
        error ("unhandled inspector error: Cannot find context"): those are retried, not
        judged, since the check only asks again once the navigation is over.
        """
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.execute_script("window.bilanOldPage = true;")
        act()
        WebDriverWait(self.driver, seconds, ignored_exceptions=(WebDriverException,)).until(
            lambda driver: driver.execute_script(
                "return window.bilanOldPage === undefined"
                " && document.readyState === 'complete';"))

    def close(self) -> None:
        self.driver.quit()


def serve(env: dict[str, str], port: int, *args: object) -> subprocess.Popen[str]:
    """``bilan serve`` on ``port``, once it answers."""
    server = subprocess.Popen([sys.executable, "-m", "bilan_core", "serve", "--port",
                               str(port), *map(str, args)], env=env, stderr=subprocess.PIPE,
                              text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion", timeout=2)
            return server
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"bilan serve did not start: {server.communicate()[1][-2000:]}")
            time.sleep(0.2)


def test_a_beneficiary_answers_in_the_browser_and_the_counsellor_gets_the_pdf(tmp_path):
    from selenium.webdriver.common.by import By

    pdftotext = require("pdftotext")
    axe = _axe()
    shots = Path(os.environ["BILAN_SCREENSHOTS"]) if os.environ.get("BILAN_SCREENSHOTS") \
        else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    env.update(BILAN_DATA_DIR=str(tmp_path / "data"), BILAN_STORE=str(tmp_path / "store.sqlite"),
               LANGUAGE="fr", BILAN_WEB_SECRET="s" * 40)
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    assert _bilan(env, "user", "add", "alice", "--role", "counsellor", "--password-file",
                  secret).returncode == 0
    templates = tmp_path / "modeles"
    templates.mkdir()
    (templates / "salarie-cpf.toml").write_text(QUESTIONNAIRE, encoding="utf-8")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(env, port, "--templates", templates)
    browsers: list[Browser] = []
    try:

        # The counsellor logs in, makes the dossier from a template, invites, writes notes.
        counsellor = Browser(tmp_path / "counsellor", axe, shots)
        browsers.append(counsellor)
        counsellor.driver.get(f"{base}/connexion")
        counsellor.check("connexion")
        counsellor.driver.find_element(By.ID, "compte").send_keys("alice")
        counsellor.driver.find_element(By.ID, "mot_de_passe").send_keys(PASSWORD)
        counsellor.submit()
        assert counsellor.driver.current_url == f"{base}/espace"
        counsellor.follow(counsellor.driver.find_element(By.LINK_TEXT, "Nouveau dossier").click)
        counsellor.check("nouveau")
        counsellor.driver.find_element(By.ID, "beneficiaire").send_keys("B-WEB-042")
        counsellor.submit()
        found = re.fullmatch(rf"{re.escape(base)}/espace/dossiers/([0-9a-f]+)",
                             counsellor.driver.current_url)
        assert found, counsellor.driver.current_url
        dossier = found.group(1)
        assert "bénéficiaire B-WEB-042" in counsellor.driver.find_element(By.TAG_NAME,
                                                                          "main").text
        counsellor.submit(f"form[action='/espace/dossiers/{dossier}/invitations']")
        link = counsellor.driver.find_element(By.CSS_SELECTOR, "input.link").get_attribute(
            "value")
        assert re.fullmatch(rf"{re.escape(base)}/invitation/[A-Za-z0-9_-]{{43}}", link), link
        counsellor.check("dossier-invitation")
        counsellor.follow(counsellor.driver.find_element(By.LINK_TEXT, "Notes des étapes").click)
        counsellor.check("notes")
        counsellor.driver.find_element(By.ID, "note-needs_analysis-expectations").send_keys(
            "Trouver un métier utile aux autres\nGarder un salaire proche")
        counsellor.driver.find_element(By.ID, "note-action_plan-actions-0-title").send_keys(
            "Enquête métier auprès de deux formateurs")
        counsellor.submit("form.notes")
        assert "Notes enregistrées." in counsellor.driver.find_element(By.TAG_NAME,
                                                                       "main").text

        # The beneficiary answers, closes halfway, reopens the link elsewhere and finishes.
        first = Browser(tmp_path / "first", axe, shots)
        browsers.append(first)
        first.driver.get(link)
        assert first.driver.current_url == f"{base}/reponses"  # the token left the address
        assert first.driver.execute_script("return document.documentElement.lang") == "fr"
        first.check("accueil")
        first.follow(first.driver.find_element(By.PARTIAL_LINK_TEXT, "RIASEC").click)
        first.check("questionnaire")
        first.driver.find_element(By.CSS_SELECTOR, "fieldset.item label").click()
        from selenium.webdriver.support.ui import WebDriverWait

        # The page's script saves the choice at once (the CSP lets it reach its own origin
        # only), and says so in the page's language.
        WebDriverWait(first.driver, 30).until(
            lambda driver: driver.find_element(By.ID, "enregistrement").text
            == "Réponse enregistrée.")
        for _page in range(3):
            first.answer_page(3)
        assert "page=4" in first.driver.current_url
        first.close()  # closed halfway

        second = Browser(tmp_path / "second", axe, shots)
        browsers.append(second)
        second.driver.get(link)
        assert "30 réponses sur 60" in second.driver.find_element(By.TAG_NAME, "main").text
        second.driver.get(f"{base}/reponses/riasec?page=2")  # what was given, kept
        assert len(second.driver.find_elements(By.CSS_SELECTOR, "input:checked")) == 10
        second.driver.get(f"{base}/reponses/riasec?page=4")
        second.submit()
        second.check("questionnaire-erreurs")  # ten questions without an answer, said
        assert len(second.driver.find_elements(By.CSS_SELECTOR, "fieldset.invalid")) == 10
        for _page in range(3):
            second.answer_page(4)
        assert second.driver.current_url == f"{base}/reponses"
        assert "terminé" in second.driver.find_element(By.TAG_NAME, "main").text
        second.follow(second.driver.find_element(By.LINK_TEXT, "J'ai terminé").click)
        second.check("fin")

        # The counsellor comes back: the list, the dossier, the steps, the Holland code, the PDF.
        counsellor.driver.get(f"{base}/espace")
        counsellor.check("dossiers")
        counsellor.follow(counsellor.driver.find_element(By.LINK_TEXT, dossier).click)
        page = counsellor.driver.find_element(By.TAG_NAME, "main").text
        assert "riasec : 60 réponses, terminé" in page
        steps = counsellor.driver.find_element(
            By.CSS_SELECTOR, f"form[action='/espace/dossiers/{dossier}/etapes'] button")
        counsellor.follow(steps.click, seconds=120)
        counsellor.check("dossier")
        page = counsellor.driver.find_element(By.TAG_NAME, "main").text
        assert "Code Holland" in page and "synthese.pdf" in page
        cookies = {c["name"]: c["value"] for c in counsellor.driver.get_cookies()}
        request = urllib.request.Request(
            f"{base}/espace/dossiers/{dossier}/documents/synthese.pdf",
            headers={"Cookie": f"bilan_session={cookies['bilan_session']}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            pdf = response.read()
        assert pdf.startswith(b"%PDF")
        (tmp_path / "synthese.pdf").write_bytes(pdf)
        text = subprocess.run([pdftotext, str(tmp_path / "synthese.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "Code Holland" in text and "Document de synthèse" in text
        assert "Trouver un métier utile aux autres" in text  # the notes written on the web
        assert "B-WEB-042" in text
    finally:
        for browser in browsers:
            with contextlib.suppress(Exception):  # already closed
                browser.close()
        server.terminate()
        server.communicate(timeout=30)
    pages = {"connexion", "nouveau", "dossier-invitation", "notes", "accueil", "questionnaire",
             "questionnaire-erreurs", "fin", "dossiers", "dossier"}
    assert {b for browser in browsers for b in browser.checked} == pages
    if shots is not None:
        assert len(list(shots.glob("*.png"))) == 2 * len(pages)
    shutil.rmtree(tmp_path / "data", ignore_errors=True)
