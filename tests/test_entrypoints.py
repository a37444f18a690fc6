"""The host reads entry points itself (``bilan_core.entrypoints``): it must find what
``importlib.metadata`` finds, in this environment and in hand-made folders."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from bilan_core.entrypoints import entry_points


def _dist(folder: Path, name: str, version: str, entries: str, kind: str = "dist-info",
          display: str | None = None) -> None:
    dist = folder / f"{name}-{version}.{kind}"
    dist.mkdir(parents=True)
    header = "METADATA" if kind == "dist-info" else "PKG-INFO"
    (dist / header).write_text(f"Metadata-Version: 2.1\nName: {display or name}\n"
                               f"Version: {version}\n\nName: not a header\n", "utf-8")
    (dist / "entry_points.txt").write_text(entries, "utf-8")


def _reference(group: str, path: list[str]) -> list[tuple[str, str, str, str]]:
    found = metadata.distributions(path=path)
    seen: set[str] = set()
    out = []
    for dist in found:
        key = dist.metadata["Name"].replace("-", "_").replace(".", "_").lower()
        if key in seen:
            continue
        seen.add(key)
        out += [(ep.name, ep.value, dist.metadata["Name"], dist.version)
                for ep in dist.entry_points if ep.group == group]
    return sorted(out)


def test_same_as_importlib_metadata_here() -> None:
    ours = [(ep.name, ep.value, ep.distribution, ep.version) for ep in entry_points("bilan")]
    theirs = sorted((ep.name, ep.value, ep.dist.metadata["Name"], ep.dist.version)
                    for ep in metadata.entry_points(group="bilan"))
    assert ours == theirs
    assert {"riasec", "pdf", "journal"} <= {name for name, *_ in ours}
    console = {ep.name: ep.value for ep in entry_points("console_scripts")}
    assert console["bilan"] == "bilan_core.cli:run"


def test_first_distribution_wins_and_sections_are_kept_apart(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "acme_tests", "2.0", "[bilan]\nacme = acme.plugin\n"
          "# a comment\n[other]\nnot_ours = x:y\n", display="acme-tests")
    _dist(second, "acme_tests", "1.0", "[bilan]\nold = acme_old.plugin\n")
    _dist(second, "legacy", "0.3", "[bilan]\n legacy = legacy.mod:plugin [extra]\n",
          kind="egg-info")
    _dist(second, "none", "1.0", "[console_scripts]\nnone = none:main\n")
    path = [str(first), str(second), str(tmp_path / "missing")]
    ours = [(ep.name, ep.value, ep.distribution, ep.version)
            for ep in entry_points("bilan", path)]
    assert ours == [("acme", "acme.plugin", "acme-tests", "2.0"),
                    ("legacy", "legacy.mod:plugin [extra]", "legacy", "0.3")]
    assert ours == _reference("bilan", path)


def test_load_resolves_the_attribute(tmp_path: Path) -> None:
    _dist(tmp_path, "x", "1", "[bilan]\npath = os.path:join [extra]\nmod = json\n")
    found = {ep.name: ep.load() for ep in entry_points("bilan", [str(tmp_path)])}
    import json
    import os.path

    assert found == {"path": os.path.join, "mod": json}
