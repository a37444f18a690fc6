"""The document de synthèse in its four formats, read back as a person would: the PDF's text
(pdftotext), its pages as images (pdftoppm), the HTML in a real headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from conftest import require

from bilan_core.model.serialize import read_dossier

ROOT = Path(__file__).parents[1]
EXAMPLES = ["reconversion-cpf", "demandeur-emploi", "salarie-rqth"]
SCHEMA = ROOT / "src" / "bilan_core" / "report" / "synthese.schema.json"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each example run once, in its own folder, with the formats its pipeline asks for."""
    from bilan_core.cli import main

    out = {}
    for example in EXAMPLES:
        folder = tmp_path_factory.mktemp(example)
        shutil.copytree(ROOT / "examples" / example, folder / "ex")
        code = main(["-p", "no:journal", "run", str(folder / "ex" / "pipeline.toml"),
                     "--output", str(folder / "out")])
        assert code == 0
        out[example] = folder / "out"
    return out


def pdf_text(path: Path) -> str:
    tool = require("pdftotext")
    return subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_writes_the_four_formats(runs, example):
    for ext in ("json", "md", "html", "pdf"):
        assert (runs[example] / f"synthese.{ext}").stat().st_size > 2000, ext
    assert (runs[example] / "synthese.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("example", EXAMPLES)
def test_pdf_text_has_every_heading_and_the_holland_code(runs, example):
    dossier = read_dossier(runs[example] / "dossier.json")
    text = " ".join(pdf_text(runs[example] / "synthese.pdf").split())
    assert "Document de synthèse" in text
    for section in dossier.synthesis.for_audience(dossier.synthesis.sections[0].audience):
        assert " ".join(section.title.split()) in text, section.title
    code = dossier.results["riasec"].summary["Code Holland"]
    assert f"Code Holland : {code}" in text
    assert "Page 1 / " in text
    pages = text.count("Document confidentiel — propriété du bénéficiaire")
    assert pages == text.count("Page ") >= 5  # the notice on every page


def test_accents_survive_every_format(runs):
    out = runs["reconversion-cpf"]
    words = ["Préparation du bilan", "Exploration des compétences", "phase préliminaire",
             "Bénéficiaire", "Investigateur", "Agréabilité"]
    texts = {ext: (out / f"synthese.{ext}").read_text(encoding="utf-8")
             for ext in ("md", "html")}
    texts["json"] = json.dumps(json.loads((out / "synthese.json").read_text("utf-8")),
                               ensure_ascii=False)
    texts["pdf"] = pdf_text(out / "synthese.pdf")
    for ext, text in texts.items():
        for word in words:
            assert word in text, (ext, word)
        assert "Ã" not in text and "\\u00e9" not in text, ext  # no mojibake, no escapes


def test_pdf_pages_render_as_a4_images(runs, tmp_path):
    from PIL import Image, ImageStat

    tool = require("pdftoppm")
    subprocess.run([tool, "-r", "40", "-png", "-f", "1", "-l", "3",
                    str(runs["salarie-rqth"] / "synthese.pdf"), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    for page in pages:
        image = Image.open(page).convert("L")
        assert abs(image.height / image.width - 297 / 210) < 0.01  # A4
        assert ImageStat.Stat(image).stddev[0] > 10  # not a blank page


def test_json_follows_its_versioned_schema(runs):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    for example in EXAMPLES:
        document = json.loads((runs[example] / "synthese.json").read_text("utf-8"))
        jsonschema.validate(document, schema)
        kinds = {s["chart"]["kind"] for s in document["sections"] if s["chart"]}
        assert kinds == {"riasec", "t_profile", "ranking"}


def test_markdown_shows_charts_as_tables(runs):
    markdown = (runs["demandeur-emploi"] / "synthese.md").read_text("utf-8")
    assert "| Type | Score (sur 40) |" in markdown
    assert "| E | 34 |" in markdown


def test_nothing_from_one_dossier_appears_in_another(runs):
    markers = {}
    for example in EXAMPLES:
        dossier = read_dossier(runs[example] / "dossier.json")
        markers[example] = [dossier.beneficiary.id, dossier.needs.get("request", "")[:40]]
    for example in EXAMPLES:
        texts = [(runs[example] / f"synthese.{e}").read_text("utf-8")
                 for e in ("json", "md", "html")]
        texts.append(pdf_text(runs[example] / "synthese.pdf"))
        texts.append((runs[example] / "dossier.json").read_text("utf-8"))
        for other in EXAMPLES:
            if other == example:
                continue
            for marker in markers[other]:
                assert marker and all(marker not in t for t in texts), (example, marker)


def test_copies_only_for_recipients_with_consent(bilan, runs):
    out = runs["salarie-rqth"]
    assert (out / "synthese-cep.pdf").exists()  # [report] recipients, with consent
    assert "Exemplaire transmis à « cep » avec l&#39;accord du bénéficiaire" in (
        out / "synthese-cep.html").read_text("utf-8")
    assert "Exemplaire transmis" not in (out / "synthese.html").read_text("utf-8")
    for ext in ("md", "json"):  # every format of a copy says so, not only HTML and PDF
        assert "Exemplaire transmis à « cep »" in (out / f"synthese-cep.{ext}").read_text(
            "utf-8"), ext
    assert "Exemplaire transmis à « cep »" in pdf_text(out / "synthese-cep.pdf")
    refused = bilan("report", out / "dossier.json", "--format", "pdf", "--recipient",
                    "employeur")
    assert refused.code == 2
    assert "refused: the dossier records no sharing consent for 'employeur'" in refused.err
    notes = bilan("report", out / "dossier.json", "--audience", "counsellor", "--recipient",
                  "cep")
    assert notes.code == 2 and "not sent to third parties" in notes.err


def test_report_renders_again_from_the_dossier(bilan, runs, tmp_path):
    out = runs["reconversion-cpf"]
    result = bilan("report", out / "dossier.json", "--format", "pdf,md", "--output", tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "synthese.md").read_text("utf-8") == (out / "synthese.md").read_text(
        "utf-8")
    assert pdf_text(tmp_path / "synthese.pdf") == pdf_text(out / "synthese.pdf")
    notes = bilan("report", out / "dossier.json", "--audience", "counsellor", "--format",
                  "md", "--output", tmp_path)
    text = (tmp_path / "notes-consultant.md").read_text("utf-8")
    assert "## Validité des passations" in text
    assert "## Financement : Compte personnel de formation (CPF)" in text
    assert "Validité des passations" not in (out / "synthese.md").read_text("utf-8")
    assert notes.code == 0
    unknown = bilan("report", out / "dossier.json", "--format", "docx")
    assert unknown.code == 2 and "unknown format 'docx'" in unknown.err


def test_branding_from_the_pipeline(runs):
    html = (runs["reconversion-cpf"] / "synthese.html").read_text("utf-8")
    assert 'src="data:image/svg+xml;base64,' in html  # the logo, embedded
    assert "--brand: #2a6f5e" in html
    assert "Nadia Ferhat, consultante en bilan de compétences" in html
    assert ">Ressources pour la suite</h2>" in html
    assert "<link" not in html and "<script" not in html  # one self-contained file


@pytest.mark.parametrize(("extra", "message"), [
    ('colour = "vert"', "report.colour: expected a colour written #rgb or #rrggbb"),
    ('logo = "logo.gif"', "report.logo: the logo must be a .png, .jpg or .svg file"),
    ('template = "t.html"', "t.html:1: template error: Expected an expression"),
])
def test_bad_branding_is_a_located_error(bilan, pipeline_file, tmp_path, extra, message):
    from conftest import PIPELINE

    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    (tmp_path / "t.html").write_text("{% if %}", encoding="utf-8")
    result = bilan("validate", pipeline_file(PIPELINE + f"\n[report]\n{extra}\n"))
    assert result.code == 2
    assert message in result.err, result.err


def test_provider_template_replaces_the_built_in_one(bilan, pipeline_file, tmp_path):
    from conftest import PIPELINE

    (tmp_path / "maison.html").write_text(
        '<html lang="fr"><body><h1>{{ provider_name }}</h1>{% for s in sections %}'
        '<h2>{{ s.title }}</h2>{{ s.html }}{% endfor %}</body></html>', encoding="utf-8")
    path = pipeline_file(PIPELINE + '\n[report]\nformats = ["html"]\ntemplate = "maison.html"\n')
    assert bilan("-p", "no:journal", "run", path, "--output", tmp_path / "o").code == 0
    html = (tmp_path / "o" / "synthese.html").read_text("utf-8")
    assert html.startswith('<html lang="fr">\n<meta http-equiv="Content-Security-Policy"')
    assert '<body><h1>Centre de bilan Test</h1>' in html


# A browser flow: run once, in the system env.
@pytest.mark.system
def test_html_in_headless_chromium(runs, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    browser = require("chromium")
    driver_path = require("chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1400"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        page = runs["reconversion-cpf"] / "synthese.html"
        driver.get(page.as_uri())
        assert driver.execute_script("return document.documentElement.lang") == "fr"
        assert driver.find_element(By.TAG_NAME, "h1").text == "Document de synthèse"
        headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "main h2")]
        dossier = read_dossier(page.parent / "dossier.json")
        assert headings == [s.title for s in dossier.synthesis.sections
                            if s.audience.value == "beneficiary"]
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        assert len(charts) == 4  # values, RIASEC, Big Five, skills
        assert all(c.is_displayed() and c.size["width"] > 300 for c in charts)
        note = driver.find_element(By.CSS_SELECTOR, ".confidential")
        assert note.is_displayed() and "Document confidentiel" in note.text
        assert "Code Holland : SEC" in driver.find_element(By.TAG_NAME, "main").text
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow  # nothing runs off the page
        driver.find_element(By.LINK_TEXT, "Pistes d'orientation").click()
        assert driver.execute_script("return location.hash") == "#career_options"
        driver.save_screenshot(str(tmp_path / "page.png"))
        assert (tmp_path / "page.png").stat().st_size > 10_000
    finally:
        driver.quit()
