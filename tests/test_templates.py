"""Templates cannot execute, renderers cannot read or fetch, values are escaped for their
context: what staff write (templates, branding) and what a stored dossier says are data."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import PIPELINE, require

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
SAFE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            '<rect width="10" height="10" fill="#1f5f8b"/></svg>')


def _run(bilan, pipeline_file, tmp_path, report: str, formats: str = "html"):
    path = pipeline_file(PIPELINE + "\n[report]\n" + report)
    return bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out",
                 "--format", formats)


# ------------------------------------------------------------------------------ sandbox
SSTI = [
    ("mro", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    ("globals", "{{ cycler.__init__.__globals__.os.system('touch {canary}') }}"),
    ("lipsum", "{{ lipsum.__globals__['os'].popen('touch {canary}').read() }}"),
    ("attr", "{{ ''|attr('__class__') }}"),
    ("self", "{{ self._TemplateReference__context }}"),
    ("format", "{{ '{0.__class__}'.format(provider_name) }}"),
    ("mutate", "{% set x = sections.append(1) %}"),
    ("config", "{{ sections.__class__.__base__.__subclasses__() }}"),
]


@pytest.mark.parametrize("case,payload", SSTI, ids=[c for c, _ in SSTI])
def test_a_template_reaching_python_internals_fails_located_with_no_side_effect(
        bilan, pipeline_file, tmp_path, case, payload):
    canary = tmp_path / "pwned"
    (tmp_path / "modele.html").write_text(
        "<html><head></head><body>\n<h1>{{ provider_name }}</h1>\n"
        + payload.replace("{canary}", str(canary)) + "\n</body></html>", encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"')
    assert result.code == 2, result
    assert "modele.html:3: " in result.err, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert not canary.exists()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("statement", [
    '{% include "/etc/passwd" %}', '{% import "/etc/hostname" as h %}',
    '{% extends "../../../etc/passwd" %}'])
def test_a_template_cannot_load_another_file(bilan, pipeline_file, tmp_path, statement):
    (tmp_path / "modele.html").write_text(f"<html><body>\n{statement}\n</body></html>",
                                          encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"')
    assert result.code == 2
    assert "modele.html" in result.err and "not found" in result.err
    assert "root:" not in result.err


def test_a_stored_dossier_is_rendered_again_in_the_sandbox(bilan, pipeline_file, tmp_path):
    (tmp_path / "modele.html").write_text("<html><body>{{ provider_name }}</body></html>",
                                          encoding="utf-8")
    assert _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"').code == 0
    dossier_file = tmp_path / "out" / "dossier.json"
    document = json.loads(dossier_file.read_text("utf-8"))
    canary = tmp_path / "pwned"
    document["dossier"]["branding"]["template"] = (
        "<html><body>\n\n{{ cycler.__init__.__globals__.os.system('touch " + str(canary)
        + "') }}</body></html>")
    dossier_file.write_text(json.dumps(document), "utf-8")
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    result = bilan("-p", "no:journal", "report", dossier_file, "--format", "html,pdf")
    assert result.code == 2
    assert "modele.html:3: the sandbox refused an operation" in result.err
    assert not canary.exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == before


# ------------------------------------------------------------------------------ URLs
REFUSED = [
    ("file-img", '<img src="file:///etc/passwd">', "refers to a file"),
    ("http-img", '<img src="https://example.org/pixel.png">', "refers to the network"),
    ("relative", '<img src="photo.png">', "refers to the file 'photo.png'"),
    ("link-css", '<link rel="stylesheet" href="https://example.org/a.css">', "<link>"),
    ("import", "<style>@import url(https://example.org/a.css);</style>", "@import"),
    ("import-string", '<style>@import "a.css";</style>', "@import"),
    ("css-url", "<style>body { background: url(file:///etc/passwd) }</style>",
     "refers to a file"),
    ("css-escaped", "<style>body { background: u\\72l(http://example.org/x) }</style>",
     "refers to the network"),
    ("style-attr", '<p style="background-image: url(\'http://example.org/x\')">x</p>',
     "refers to the network"),
    ("image-set", "<style>p { background: image-set('http://example.org/x' 1x) }</style>",
     "refers to the network"),
    ("attachment", '<a rel="attachment" href="#x">pièce jointe</a>', "attachment"),
    ("attachment-link", '<link rel="attachment" href="file:///etc/passwd">', "<link>"),
    ("svg-image", '<svg><image href="http://example.org/x.png"/></svg>', "refers to the network"),
    ("srcset", '<img src="#a" srcset="http://example.org/x.png 2x">', "refers to the network"),
    ("script", "<script>fetch('/')</script>", "<script>"),
    ("handler", '<p onclick="alert(1)">x</p>', "'onclick'"),
    ("javascript", '<a href="javascript:alert(1)">x</a>', "javascript:"),
    ("iframe", '<iframe src="data:text/html,x"></iframe>', "<iframe>"),
    ("refresh", '<meta http-equiv="refresh" content="0;url=http://example.org">', "refresh"),
    ("base", '<base href="http://example.org/">', "<base>"),
    ("data-html", '<img src="data:text/html;base64,PHNjcmlwdD4=">', "not an image"),
    ("svg-style", "<svg><style>rect { fill: url(http://example.org/p) }</style></svg>",
     "refers to the network"),
    # A browser reads markup here (the <img> leaves the <svg>): so does the check.
    ("style-markup", "<svg><style><img src=x onerror=alert(1)></style></svg>",
     "refers to the file 'x'"),
    ("cdata", "<![CDATA[><img src=x onerror=alert(1)>]]>", "refers to the file 'x'"),
    ("comment-bang", "<!-- --!><img src=http://example.org/b.png> -->", "the network"),
    ("comment-short", "<!--><img src=http://example.org/a.png>-->", "the network"),
    ("svg-set", '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
     "SVG animation"),
    ("foreign", "<svg><foreignObject><p>x</p></foreignObject></svg>", "foreign object"),
]


@pytest.mark.parametrize("case,markup,message", REFUSED, ids=[c for c, _, _ in REFUSED])
def test_a_document_loads_nothing_but_what_it_carries(bilan, pipeline_file, tmp_path, case,
                                                      markup, message):
    (tmp_path / "modele.html").write_text(
        f"<html><head></head><body>\n<h1>Synthèse</h1>\n{markup}\n</body></html>",
        encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"', "html,pdf")
    assert result.code == 2, result
    assert "modele.html:3: refused:" in result.err, result.err
    assert message in result.err
    assert not (tmp_path / "out").exists()


def test_the_html_forbids_remote_loads_and_the_pdf_embeds_no_file(bilan, pipeline_file,
                                                                  tmp_path):
    (tmp_path / "logo.svg").write_text(SAFE_SVG, encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'logo = "logo.svg"', "html,pdf")
    assert result.code == 0, result.err
    html = (tmp_path / "out" / "synthese.html").read_text("utf-8")
    head = html[: html.index("</head>")]
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
            " img-src data:;") in head
    assert head.index("Content-Security-Policy") < head.index("<style>")
    listing = subprocess.run([require("pdfdetach"), "-list", str(tmp_path / "out" /
                                                                 "synthese.pdf")],
                             capture_output=True, text=True, check=True).stdout
    assert listing.startswith("0 embedded files")


def test_the_pdf_fetcher_refuses_every_url_but_embedded_images():
    pytest.importorskip("weasyprint")
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    from bilan_pdf.plugin import _fetcher

    fetcher = _fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "ftp://example.org/x"):
        with pytest.raises(PermissionError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:image/png;base64," + base64.b64encode(PNG).decode())
    html = '<html><body><img src="file:///etc/passwd"></body></html>'
    with pytest.raises(FatalURLFetchingError):
        weasyprint.HTML(string=html, url_fetcher=_fetcher()).write_pdf()


@pytest.mark.parametrize("svg,message", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
     "refers to a file"),
    ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "'onload'"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
    ('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>', "DOCTYPE"),
    ("not xml at all", "not well-formed"),
])
def test_an_svg_logo_must_be_inert(bilan, pipeline_file, tmp_path, svg, message):
    (tmp_path / "logo.svg").write_text(svg, encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'logo = "logo.svg"')
    assert result.code == 2
    assert "report.logo: logo.svg: " in result.err and message in result.err


def test_a_logo_must_be_the_image_it_claims(bilan, pipeline_file, tmp_path):
    (tmp_path / "logo.png").write_bytes(b"GIF89a not a png")
    result = _run(bilan, pipeline_file, tmp_path, 'logo = "logo.png"')
    assert result.code == 2
    assert "the file's content is not image/png" in result.err


def test_template_assets_are_embedded_from_the_template_folder_only(bilan, pipeline_file,
                                                                    tmp_path):
    (tmp_path / "modeles").mkdir()
    (tmp_path / "modeles" / "pied.png").write_bytes(PNG)
    (tmp_path / "modeles" / "modele.html").write_text(
        '<html><body><img src="{{ asset("pied.png") }}" alt="pied"></body></html>',
        encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'template = "modeles/modele.html"')
    assert result.code == 0, result.err
    html = (tmp_path / "out" / "synthese.html").read_text("utf-8")
    assert '<img src="data:image/png;base64,' in html

    (tmp_path / "secret.png").write_bytes(PNG)
    (tmp_path / "modeles" / "lien.png").symlink_to(tmp_path / "secret.png")
    for name in ("../secret.png", "lien.png", "/etc/hostname"):
        (tmp_path / "modeles" / "modele.html").write_text(
            f'<html><body>\n<img src="{{{{ asset("{name}") }}}}"></body></html>',
            encoding="utf-8")
        refused = _run(bilan, pipeline_file, tmp_path, 'template = "modeles/modele.html"')
        assert refused.code == 2, name
        assert "modele.html:2: " in refused.err and "outside the template's folder" in (
            refused.err), refused.err
    (tmp_path / "modeles" / "modele.html").write_text(
        '<html><body>\n{% set n = "pied.png" %}<img src="{{ asset(n) }}"></body></html>',
        encoding="utf-8")
    dynamic = _run(bilan, pipeline_file, tmp_path, 'template = "modeles/modele.html"')
    assert dynamic.code == 2
    assert "modele.html:2: asset() takes one file name written as a string" in dynamic.err


def test_files_named_in_a_pipeline_must_stay_in_its_folder(bilan, pipeline_file, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.svg"
    outside.write_text(SAFE_SVG, encoding="utf-8")
    (tmp_path / "logo.svg").symlink_to(outside)
    for logo in ("logo.svg", str(outside), f"../{outside.name}"):
        result = _run(bilan, pipeline_file, tmp_path, f'logo = "{logo}"')
        assert result.code == 2, logo
        assert "report.logo: file" in result.err and "outside the pipeline's folder" in (
            result.err)
    outside.unlink()


# ------------------------------------------------------------------------------ escaping
def test_css_values_are_css_escaped_and_names_print_as_typed(bilan, pipeline_file, tmp_path):
    name = "L'Atelier & <Fils> \\\"Sud\\\" </style>"
    result = _run(bilan, pipeline_file, tmp_path,
                  f'provider_name = "{name}"\ncolour = "#a1B"', "html,pdf,md")
    assert result.code == 0, result.err
    typed = "L'Atelier & <Fils> \"Sud\" </style>"
    html = (tmp_path / "out" / "synthese.html").read_text("utf-8")
    style = html[html.index("<style>"): html.index("</style>")]
    assert "<Fils>" not in style and "&#39;" not in style and "&amp;" not in style
    assert "--brand: #a1B;" in style
    text = subprocess.run([require("pdftotext"), str(tmp_path / "out" / "synthese.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert f"{typed} — Document de synthèse" in text  # the page header, from CSS
    assert typed in text


@pytest.mark.parametrize("colour", ["vert", "#12", "#1234567", "red;}</style><script>",
                                    "#abcdex"])
def test_a_colour_is_a_hex_colour(bilan, pipeline_file, tmp_path, colour):
    result = _run(bilan, pipeline_file, tmp_path, f'colour = "{colour}"')
    assert result.code == 2
    assert "report.colour: expected a colour written #rgb or #rrggbb" in result.err


def test_a_colour_edited_in_a_stored_dossier_is_refused(bilan, pipeline_file, tmp_path):
    assert _run(bilan, pipeline_file, tmp_path, 'colour = "#123456"').code == 0
    dossier_file = tmp_path / "out" / "dossier.json"
    document = json.loads(dossier_file.read_text("utf-8"))
    document["dossier"]["branding"]["colour"] = "red;}</style><script>alert(1)</script>"
    dossier_file.write_text(json.dumps(document), "utf-8")
    result = bilan("-p", "no:journal", "report", dossier_file, "--format", "html")
    assert result.code == 2
    assert "dossier.json: the dossier is damaged" in result.err and "colour" in result.err


def test_a_long_unbroken_word_wraps_in_the_pdf(bilan, pipeline_file, tmp_path):
    word = "Anticonstitutionnellement" * 12
    path = pipeline_file(PIPELINE.replace("Faire le point après dix ans dans le même poste.",
                                          word) + '\n[report]\nformats = ["pdf"]\n')
    assert bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out").code == 0
    layout = subprocess.run([require("pdftotext"), "-bbox", str(tmp_path / "out" /
                                                                  "synthese.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout
    page_width = float(layout.split('<page width="')[1].split('"')[0])
    right_edges = [float(part.split('"')[0]) for part in layout.split('xMax="')[1:]]
    assert max(right_edges) <= page_width
    plain = subprocess.run([require("pdftotext"), str(tmp_path / "out" / "synthese.pdf"),
                            "-"], capture_output=True, text=True, check=True).stdout
    assert word in "".join(plain.split())  # every letter printed, across lines


def test_markdown_escapes_text_but_keeps_the_structure(bilan, pipeline_file, tmp_path):
    from markdown_it import MarkdownIt

    request = "# Titre [lien](http://evil.fr) ![i](http://evil.fr/i.png) <b>x</b> www.evil.fr"
    path = pipeline_file(PIPELINE.replace("Faire le point après dix ans dans le même poste.",
                                          request) + '\n[report]\nformats = ["md"]\n')
    assert bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out").code == 0
    text = (tmp_path / "out" / "synthese.md").read_text("utf-8")
    tokens = MarkdownIt("commonmark", {"linkify": True}).enable("linkify").parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}
    assert not kinds & {"link_open", "image", "html_inline", "html_block"}
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Votre demande et vos attentes" in headings
    assert not any("Titre" in h for h in headings)
    rendered = "".join(c.content for t in tokens for c in (t.children or [])
                       if c.type == "text")
    assert request in rendered


def test_terminal_output_carries_no_control_character(bilan, pipeline_file, tmp_path):
    path = pipeline_file(PIPELINE.replace('id = "B-TEST-001"', 'id = "B-TEST-001"').replace(
        "Centre de bilan Test", "Centre\\u001b]0;pwned\\u0007 \\u001b[2J\\rTest\\u202e"))
    result = bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    bad = tmp_path / "a\x1b[31mb"
    bad.mkdir()
    missing = bilan("validate", bad / "pipeline.toml")
    for stream in (result.out, result.err, missing.out, missing.err):
        assert not any(c in stream for c in "\x1b\x07\r\u202e"), repr(stream)
    assert "a\\x1b[31mb" in missing.err  # a path is shown with its escapes visible
    os.environ.get("TERM")  # nothing else: the streams themselves are filtered
    assert Path(tmp_path / "out" / "synthese.json").is_file()


def test_an_edited_template_cannot_hide_markup_from_the_check(bilan, pipeline_file, tmp_path):
    """Comments, CDATA and a <head> inside a comment do not fool the check: the page is
    parsed as a browser parses it, and the CSP must be the first element of its head."""
    (tmp_path / "modele.html").write_text("<html><body>{{ provider_name }}</body></html>",
                                          encoding="utf-8")
    assert _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"').code == 0
    dossier_file = tmp_path / "out" / "dossier.json"
    document = json.loads(dossier_file.read_text("utf-8"))
    for template in (
            "<!doctype html>\n<!-- <head> -->\n<html><head></head><body>\n<![CDATA[><img"
            ' src="https://evil.example/p.png" onerror="alert(1)">]]>\n</body></html>',
            "<!doctype html><html><head></head><body>\n<!-- --!><img"
            ' src="http://evil.example/b.png"> -->\n</body></html>'):
        document["dossier"]["branding"]["template"] = template
        dossier_file.write_text(json.dumps(document), "utf-8")
        result = bilan("-p", "no:journal", "report", dossier_file, "--format", "html",
                       "--output", tmp_path / "again")
        assert result.code == 2, result
        assert "modele.html" in result.err and "refused" in result.err
        assert not (tmp_path / "again").exists()


@pytest.mark.parametrize("statement,message", [
    ("{% set x = 2 ** 100000 %}", "an exponent over 64 is not allowed"),
    ("{% set x = 'a' * 100000000 %}", "more than 1,000,000 items"),
    ("{% set x = [1] * 2000000 %}", "more than 1,000,000 items"),
])
def test_a_template_cannot_build_huge_values(bilan, pipeline_file, tmp_path, statement,
                                             message):
    (tmp_path / "modele.html").write_text(f"<html><body>\n{statement}\n</body></html>",
                                          encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"')
    assert result.code == 2 and "modele.html:2: the sandbox refused" in result.err
    assert message in result.err


def test_a_template_cannot_run_for_ever(bilan, pipeline_file, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_TEMPLATE_SECONDS", "1")
    (tmp_path / "modele.html").write_text(
        "<html><body>{% for i in range(100000) %}{% for j in range(100000) %}"
        "{% endfor %}{% endfor %}</body></html>", encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"')
    assert result.code == 2
    assert "modele.html: the template took more than 1 seconds to render" in result.err


def test_a_template_weasyprint_cannot_print_is_a_located_error(bilan, pipeline_file,
                                                                tmp_path):
    pytest.importorskip("weasyprint")
    (tmp_path / "modele.html").write_text(
        "<html><head><style>p { background: attr(data-u url) }</style></head>"
        "<body><p data-u='#x'>x</p></body></html>", encoding="utf-8")
    result = _run(bilan, pipeline_file, tmp_path, 'template = "modele.html"', "pdf")
    assert result.code in (0, 2), result  # printed, or refused naming the template
    if result.code == 2:
        assert "modele.html: the PDF renderer cannot print this template" in result.err


def test_a_lone_surrogate_in_a_stored_dossier_is_refused(bilan, pipeline_file, tmp_path):
    assert _run(bilan, pipeline_file, tmp_path, 'colour = "#123456"').code == 0
    dossier_file = tmp_path / "out" / "dossier.json"
    text = dossier_file.read_text("utf-8").replace('"Centre de bilan Test"',
                                                   '"Centre \\ud800 Test"', 1)
    dossier_file.write_text(text, "utf-8")
    result = bilan("-p", "no:journal", "report", dossier_file, "--format", "md,html")
    assert result.code == 2
    assert "a lone surrogate" in result.err
