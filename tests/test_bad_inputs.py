"""Every bad input gets one located error line and exit status 2, never an internal error.

Paths (NUL bytes, too long, symlink loops, unreadable, folders, devices, FIFOs), sizes
(checked before reading), nesting, numbers too large for ``int`` or ``Decimal``, bytes that
are not UTF-8, outputs under a file: each kind, for each reader that takes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from conftest import PIPELINE

RESPONSES = 'instrument = "riasec"\nversion = "1.0"\n[answers]\nR01 = 4\n'


def _one_error_line(result, *fragments: str) -> None:
    assert result.code == 2, result
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("bilan: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in result.err and "internal error" not in result.err


def _with_responses(pipeline_file, file: str):
    return pipeline_file(PIPELINE + f'\n[[responses]]\ninstrument = "riasec"\nfile = "{file}"\n')


# ------------------------------------------------------------------------------ paths
def test_a_nul_byte_in_a_path(bilan, pipeline_file, tmp_path):
    _one_error_line(bilan("validate", "pipe\x00line.toml"), "contains a NUL byte")
    _one_error_line(bilan("report", tmp_path / "dos\x00sier.json"), "contains a NUL byte")
    path = _with_responses(pipeline_file, "rep\\u0000onses.toml")
    _one_error_line(bilan("validate", path), "responses", "the path contains a NUL byte")


def test_a_path_too_long(bilan, pipeline_file, tmp_path):
    long_name = "x" * 300
    _one_error_line(bilan("validate", tmp_path / long_name), "the path is too long")
    path = _with_responses(pipeline_file, "/".join(["d" * 200] * 30))
    _one_error_line(bilan("validate", path), "responses", "too long")


def test_a_symlink_loop(bilan, pipeline_file, tmp_path):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    _one_error_line(bilan("validate", tmp_path / "a.toml"), "symbolic links")
    _one_error_line(bilan("validate", _with_responses(pipeline_file, "a.toml")),
                    "responses", "symbolic links")
    _one_error_line(bilan("report", tmp_path / "a.toml"), "symbolic links")


@contextlib.contextmanager
def _as_nobody():
    """Run as an unprivileged user: root reads every file, whatever its mode."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_unreadable_files_and_folders(bilan, monkeypatch):
    folder = Path(tempfile.mkdtemp(prefix="bilan-perm-"))
    try:
        os.chmod(folder, 0o755)
        data = folder / "data"  # nobody's own data folder
        data.mkdir()
        os.chmod(data, 0o777)
        (folder / "pipeline.toml").write_text(
            PIPELINE + '\n[[responses]]\ninstrument = "riasec"\nfile = "fermé/r.toml"\n',
            encoding="utf-8")
        os.chmod(folder / "pipeline.toml", 0o644)
        (folder / "fermé").mkdir()
        (folder / "fermé" / "r.toml").write_text(RESPONSES, encoding="utf-8")
        secret = folder / "secret.toml"
        secret.write_text(PIPELINE, encoding="utf-8")
        os.chmod(secret, 0o000)
        os.chmod(folder / "fermé", 0o000)
        bilan("validate", secret)  # imports what the command needs while root
        monkeypatch.setenv("BILAN_DATA_DIR", str(data))
        with _as_nobody():
            unreadable = bilan("validate", secret)
            closed = bilan("validate", folder / "pipeline.toml")
        _one_error_line(unreadable, "secret.toml", "permission denied")
        _one_error_line(closed, "responses", "permission denied")
    finally:
        for path in folder.rglob("*"):
            with contextlib.suppress(OSError):
                os.chmod(path, 0o700)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_folder_where_a_file_is_expected(bilan, pipeline_file, tmp_path):
    (tmp_path / "dossier").mkdir()
    _one_error_line(bilan("validate", tmp_path / "dossier"), "found a directory")
    _one_error_line(bilan("report", tmp_path / "dossier"), "found a directory")
    _one_error_line(bilan("validate", _with_responses(pipeline_file, "dossier")),
                    "responses", "is a directory")
    _one_error_line(bilan("score", "riasec", tmp_path / "dossier"), "found a directory")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_where_a_file_is_expected(bilan, device):
    _one_error_line(bilan("validate", device), "found a character device")
    _one_error_line(bilan("report", device), "found a character device")
    _one_error_line(bilan("score", "riasec", device), "found a character device")


def test_a_fifo_never_blocks(bilan, pipeline_file, tmp_path):
    os.mkfifo(tmp_path / "tube.toml")
    _one_error_line(bilan("validate", tmp_path / "tube.toml"), "named pipe")
    _one_error_line(bilan("report", tmp_path / "tube.toml"), "named pipe")
    _one_error_line(bilan("validate", _with_responses(pipeline_file, "tube.toml")),
                    "responses", "named pipe")
    _one_error_line(bilan("journal", "list", tmp_path / "tube.toml"), "named pipe")


# ------------------------------------------------------------------------------ sizes
def test_a_file_over_its_size_limit_is_refused_before_reading(bilan, pipeline_file,
                                                              tmp_path):
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as handle:  # sparse: 20 GB announced, nothing to read
        handle.truncate(20 * 10**9)
    _one_error_line(bilan("validate", huge), "over the limit of 1,000,000 bytes")
    _one_error_line(bilan("report", huge), "over the limit of 32,000,000 bytes")
    _one_error_line(bilan("validate", _with_responses(pipeline_file, "huge.toml")),
                    "responses file is 20,000,000,000 bytes")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 1_000_001)
    _one_error_line(bilan("validate", pipeline_file(PIPELINE + '[report]\nlogo = "logo.png"\n',
                                                    name="logo.toml")), "logo is 1,000,009")


def test_nesting_deeper_than_the_limit(bilan, pipeline_file, tmp_path):
    deep = pipeline_file("x = " + "[" * 5000 + "]" * 5000 + "\n" + PIPELINE, name="deep.toml")
    _one_error_line(bilan("validate", deep), "nested more than 16 levels")
    shallow = pipeline_file("x = " + "[" * 40 + "]" * 40 + "\n" + PIPELINE, name="s.toml")
    _one_error_line(bilan("validate", shallow), "nested more than 16 levels")
    dossier = tmp_path / "dossier.json"
    dossier.write_text('{"format": "bilan-dossier", "format_version": 2, "dossier": '
                       + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    _one_error_line(bilan("report", dossier), "nested more than")


# ------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize("replace,with_,message", [
    ('cpf_balance = "1200.00"', "cpf_balance = " + "9" * 5000, "a number is too large"),
    ('cpf_balance = "1200.00"', 'cpf_balance = "1e999999999"', "expected an amount in euros"),
    ('cpf_balance = "1200.00"', 'cpf_balance = "' + "9" * 4000 + '"',
     "expected an amount in euros"),
    ("hours = 2", "hours = 1e308", "expected a number of reasonable size"),
    ("hours = 2", "hours = " + "9" * 4000, "expected a number of reasonable size"),
    ("hours = 2", "hours = inf", "expected a finite number"),
])
def test_numbers_too_large(bilan, pipeline_file, replace, with_, message):
    _one_error_line(bilan("validate", pipeline_file(PIPELINE.replace(replace, with_, 1))),
                    message)


def test_numbers_too_large_in_a_stored_dossier(bilan, pipeline_file, tmp_path):
    assert bilan("-p", "no:journal", "run", pipeline_file(), "--output",
                 tmp_path / "out").code == 0
    text = (tmp_path / "out" / "dossier.json").read_text("utf-8")
    for old, new, message in (
            ('"hours": "2"', '"hours": "1e999999999"', "hours"),
            ('"hours": "2"', '"hours": ' + "9" * 5000, "too large"),
            ('"cpf_balance": "1200.00"', '"cpf_balance": "1e99999"', "cpf_balance")):
        assert old in text
        damaged = tmp_path / f"d{len(message)}.json"
        damaged.write_text(text.replace(old, new, 1), encoding="utf-8")
        _one_error_line(bilan("report", damaged), str(damaged), message)


# ------------------------------------------------------------------------------ encodings
def test_bytes_that_are_not_utf8(bilan, pipeline_file, tmp_path):
    latin = tmp_path / "latin1.toml"
    latin.write_bytes(PIPELINE.replace("Très", "Tr\xe8s").encode("latin-1"))
    _one_error_line(bilan("validate", latin), "not valid UTF-8")
    dossier = tmp_path / "dossier.json"
    dossier.write_bytes(b'{"format": "bilan-dossier", "x": "\xe9"}')
    _one_error_line(bilan("report", dossier), "not valid UTF-8")


def test_administer_refuses_piped_bytes_that_are_not_utf8_and_keeps_what_was_saved(
        tmp_path):
    import subprocess
    import sys

    output = tmp_path / "r.toml"
    result = subprocess.run([sys.executable, "-m", "bilan_core", "administer", "riasec",
                             "--output", str(output)], input=b"4\n\xff\xfe\n3\n",
                            capture_output=True, env={**os.environ,
                                                      "BILAN_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.decode() == ("bilan: error: standard input, line 2: not valid UTF-8"
                                      " (answers are read as UTF-8 text)\n")
    assert "R01 = 4" in output.read_text("utf-8")


# ------------------------------------------------------------------------------ outputs
def test_an_output_that_cannot_be_a_folder(bilan, pipeline_file, tmp_path):
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    _one_error_line(bilan("run", pipeline_file(), "--output", blocker / "sous" / "dossier"),
                    "a part of the path is a file")
    _one_error_line(bilan("run", pipeline_file(), "--output", "/dev/null"),
                    "exists and is not a folder")
    assert bilan("-p", "no:journal", "run", pipeline_file(), "--output",
                 tmp_path / "out").code == 0
    _one_error_line(bilan("report", tmp_path / "out" / "dossier.json", "--output", blocker),
                    "exists and is not a folder")
    assert blocker.read_text() == "x"


def test_a_dossier_that_is_not_a_dossier(bilan, tmp_path):
    for content, message in (("[]", "not a bilan dossier"), ("{", "not valid JSON"),
                             ('{"format": "bilan-dossier", "format_version": true}',
                              "format version True is not supported"),
                             (json.dumps({"format": "bilan-dossier", "format_version": 2,
                                          "dossier": {"id": 5}}), "the dossier is damaged")):
        path = tmp_path / "d.json"
        path.write_text(content, encoding="utf-8")
        _one_error_line(bilan("report", path), str(path), message)


def test_the_pipeline_folder_cannot_shadow_an_installed_module(bilan, pipeline_file, tmp_path):
    """A file in the pipeline's folder named like an installed module is not imported in its
    place: the folder is searched last."""
    (tmp_path / "click.py").write_text("raise SystemExit('shadowed')\n", encoding="utf-8")
    (tmp_path / "bilan_riasec.py").write_text("raise SystemExit('shadowed')\n",
                                              encoding="utf-8")
    path = pipeline_file('plugins = ["bilan_riasec"]\n' + PIPELINE)
    result = bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    assert "shadowed" not in result.err
    assert stat.S_ISDIR((tmp_path / "out").stat().st_mode)


def test_numbers_too_large_for_a_float(bilan, pipeline_file, tmp_path):
    """An integer TOML reads exactly but no float can hold (10**400) is refused where it is
    written, not when a score or a weight is computed."""
    huge = "1" + "0" * 400
    weights = pipeline_file(PIPELINE.replace(
        'proposed = ["Technicienne de maintenance", "Formatrice"]',
        f'proposed = ["Formatrice"]\nweights = {{ congruence = {huge} }}'))
    _one_error_line(bilan("validate", weights), "plugin.career_options.weights.congruence",
                    "expected a number of reasonable size")
    source = (Path(__file__).parents[1] / "plugins" / "bilan-riasec" / "src" / "bilan_riasec"
              / "instruments" / "riasec.toml").read_text("utf-8")
    instrument = tmp_path / "riasec-x.toml"
    instrument.write_text(source.replace('id = "riasec"', 'id = "riasec-x"', 1)
                          + f"\n[[norms]]\ngroup = \"g\"\nn = 10\nyear = 2026\n"
                            f"[norms.scales.R]\nmean = 1\nsd = 1\n"
                            f"distribution = [[{huge}, 1]]\n", encoding="utf-8")
    result = bilan("-p", "no:riasec", "validate", pipeline_file(
        'instruments = ["riasec-x.toml"]\n' + PIPELINE, name="with-instrument.toml"))
    _one_error_line(result, "riasec-x.toml", "expected a number of reasonable size")


def test_a_path_with_a_newline_stays_on_one_line(bilan, pipeline_file):
    path = _with_responses(pipeline_file, "r\\nbilan: error: forged.toml")
    _one_error_line(bilan("validate", path), "responses", "does not exist")
