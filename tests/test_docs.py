"""The documentation cannot drift: its examples run, its references are complete, and the
site builds with ``mkdocs build --strict``.

How the code blocks of ``docs/*.md`` and ``README.md`` are tested (DEVELOPERS.md, "The
documentation", says the same for authors):

- ```` ```python ```` blocks run, in order, in one namespace per page, in a fresh folder holding a
  copy of the repository's ``examples/`` (the page's folder, also on ``sys.path``);
- a block whose first line is a comment naming a file (``# bilan_hello.py``,
  ``# pipeline.toml``) is that file: it is written into the page's folder, then a Python file
  runs as a module (a ``test_*.py`` file runs under pytest, in process) and a TOML file must
  parse;
- ```` ```console ```` blocks are sessions that run: each ``$ `` line is a command (``\\``
  continues it) run in the page's folder: ``bilan ...`` through the real command line in
  process, importing as a new process would (the page's folder only through ``PYTHONPATH``),
  ``export NAME=VALUE``, ``cd DIR`` and ``NAME=$(bilan ... | awk '{print $NF}')``
  (the last word printed, as ``bilan dossier new`` prints the id). A command must exit 0, or
  the status written at its end (``# exit 2``). The lines under it are output that must appear,
  in that order, among what it printed (standard output, then error stream); ``...`` stands
  for any text;
- ```` ```sh ```` blocks and blocks without a language show commands for a real setting
  (installing, deploying, placeholders such as ``ID``): they do not run, but every line that
  starts with ``bilan `` must name existing commands and options (checked against the click
  tree). The tutorial and the plugin developer guide (:data:`RUN_EVERY_COMMAND`) use console
  blocks for their ``bilan`` commands, so each one runs;
- ```` ```toml ```` blocks must parse;
- a block is left out only with ``<!-- no-run: REASON -->`` on the line above it; there are at
  most :data:`MAX_NO_RUN` in all the docs, each with a reason.

The meta-tests fail when a hook has no documentation or no test (see :func:`untested_hooks`
for what counts as a test), or when a command of the command line is missing from the
generated CLI reference.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import inspect
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import click
import pytest

from bilan_core import docgen, hookspecs

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]

#: Blocks left out with ``<!-- no-run: REASON -->``, in all the docs.
MAX_NO_RUN = 3
#: Pages whose ``bilan`` commands all run: the tutorial and the plugin developer guide.
RUN_EVERY_COMMAND = frozenset({"tutorial.md", "plugins.md", "plugin-kit.md"})
#: The pages of the site's Reference section that are not generated.
WRITTEN_REFERENCES = ("architecture.md", "security.md")

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<lang>[\w+-]*)\s*$")
NO_RUN = re.compile(r"^<!--\s*no-run:\s*(?P<reason>.*?)\s*-->$")
FILE_LINE = re.compile(r"^#\s+(?P<name>[\w.-]+(?:/[\w.-]+)*\.(?:py|toml|md|txt|csv|json))\s*$")
EXIT = re.compile(r"\s+#\s*exit\s+(?P<code>\d+)\s*$")
CAPTURE = re.compile(r"^(?P<name>[A-Za-z_]\w*)=\$\((?P<command>.*)\)$")
LAST_WORD = re.compile(r"\s*\|\s*awk\s+'\{print \$NF\}'\s*$")


@attrs.frozen
class Block:
    """A fenced code block of a page."""

    page: Path
    line: int
    lang: str
    text: str
    no_run: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def file_name(self) -> str | None:
        """The file the block is, when its first line names one (``# pipeline.toml``)."""
        first = self.text.split("\n", 1)[0]
        match = FILE_LINE.match(first)
        return match.group("name") if match else None


def blocks(page: Path) -> list[Block]:
    """Every fenced code block of a Markdown page, with the no-run marker above it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = len(match.group("indent")), match.group("fence")
        previous = next((line.strip() for line in reversed(lines[:i]) if line.strip()), "")
        marker = NO_RUN.match(previous)
        body: list[str] = []
        start = i + 1
        i += 1
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i][indent:] if lines[i][:indent].isspace() else lines[i])
            i += 1
        i += 1
        found.append(Block(page, start, match.group("lang").lower(), "\n".join(body) + "\n",
                           marker.group("reason") if marker else None))
    return found


# ----------------------------------------------------------------- commands in the docs


def bilan_lines(text: str) -> Iterator[str]:
    """The ``bilan ...`` commands of a shell block: continuation lines joined, each part of an
    ``&&`` list, a console's ``$ `` prompt removed."""
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    for line in joined.splitlines():
        for part in line.split("&&"):
            part = part.strip().removeprefix("$ ")
            if part.startswith("bilan "):
                yield part


def _words(line: str) -> list[str]:
    """A command line's words, comments and the brackets of optional parts removed."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:  # an unbalanced quote in a sketch: split on blanks
        words = line.split("#", 1)[0].split()
    return [w.strip("[]") for w in words if w.strip("[]") not in ("", "...")]


def check_command_line(line: str) -> str | None:
    """What is wrong with a ``bilan ...`` line of the docs (an unknown command or option), or
    None. Values are not checked: a sketch writes placeholders (``ID``, ``open|closed``)."""
    ctx = _root_context()
    words = _words(line)[1:]
    command: click.Command = ctx.command
    while True:
        params = {name: p for p in command.get_params(ctx) if isinstance(p, click.Option)
                  for name in (*p.opts, *p.secondary_opts)}
        while words and words[0].startswith("-") and not re.fullmatch(r"-\d.*", words[0]):
            name = words.pop(0).split("=", 1)[0]
            option = params.get(name)
            if option is None:
                return f"{ctx.command_path}: no option {name!r}"
            if not (option.is_flag or option.count) and "=" not in name and words:
                words.pop(0)
        if not isinstance(command, click.Group):
            break
        if not words:
            return None
        name = words.pop(0)
        sub = command.get_command(ctx, name)
        if sub is None:
            return f"{ctx.command_path}: no command {name!r}"
        ctx = click.Context(sub, info_name=name, parent=ctx)
        command = sub
    params = {name: p for p in command.get_params(ctx) if isinstance(p, click.Option)
              for name in (*p.opts, *p.secondary_opts)}
    for word in words:
        if word.startswith("-") and not re.fullmatch(r"-\d.*", word):
            name = word.split("=", 1)[0]
            if name not in params:
                return f"{ctx.command_path}: no option {name!r}"
    return None


@functools.cache
def _root_context() -> click.Context:
    """The ``bilan`` group's context, plugins' commands included, built once."""
    from bilan_core.cli import cli

    return click.Context(cli, info_name="bilan")


def output_mismatch(expected: Iterable[str], *streams: str) -> str | None:
    """The first expected line not found (``...`` stands for any text); None when all are.

    Each line is looked for in the streams in turn (standard output, then the error stream),
    after the lines already found in that stream: the lines a page shows appear in that order
    among those of the stream that printed them."""
    # French amounts and dates hold no-break spaces; the docs write plain ones.
    lines = [[line.replace("\u00a0", " ").replace("\u202f", " ").rstrip()
              for line in stream.splitlines()] for stream in streams]
    positions = [0] * len(lines)
    for want in expected:
        want = want.rstrip()
        if not want.strip() or want.strip() == "...":
            continue
        pattern = re.compile(".*?".join(re.escape(part) for part in want.split("...")))
        for n, stream in enumerate(lines):
            found = next((i for i in range(positions[n], len(stream))
                          if pattern.fullmatch(stream[i])), None)
            if found is not None:
                positions[n] = found + 1
                break
        else:
            return want
    return None


class Session:
    """Runs the blocks of one page, in order, in the page's folder."""

    def __init__(self, folder: Path, bilan: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.bilan = bilan
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.namespace: dict[str, object] = {"__name__": "__docs__"}

    def run(self, block: Block) -> None:
        name = block.file_name
        if name is not None:
            self.write(block, name)
        elif block.lang == "python":
            self.python(block.text, block.where, self.namespace)
        elif block.lang == "console":
            self.console(block)
        elif block.lang == "toml":
            tomllib.loads(block.text)

    def write(self, block: Block, name: str) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block.text, encoding="utf-8")
        if name.endswith(".toml"):
            tomllib.loads(block.text)
        elif name.endswith(".py") and Path(name).name.startswith("test_"):
            self.capsys.readouterr()
            with self.monkeypatch.context() as patch:  # the outer run's options stay its own
                patch.delenv("PYTEST_ADDOPTS", raising=False)
                code = pytest.main([str(path), "-p", "no:cacheprovider", "-q", "--capture=sys",
                                    "-W", "ignore::DeprecationWarning", "--rootdir",
                                    str(self.folder), "--basetemp",
                                    str(self.folder / f".tmp-{path.stem}")])
            output = self.capsys.readouterr().out
            assert code == 0, (f"{block.where}: the tests of {name} fail:\n"
                               + "\n".join(output.splitlines()[-60:]))
        elif name.endswith(".py"):
            self.python(block.text, block.where,
                        {"__name__": Path(name).stem, "__file__": str(path)})

    @staticmethod
    def python(text: str, where: str, namespace: dict[str, object]) -> None:
        exec(compile(text, where, "exec"), namespace)  # the docs' own example

    def console(self, block: Block) -> None:
        commands: list[tuple[str, list[str]]] = []
        pending = ""
        for line in block.text.splitlines():
            if pending:
                pending += " " + line.strip()
            elif line.startswith("$ "):
                pending = line[2:].strip()
            elif commands:
                commands[-1][1].append(line)
                continue
            elif line.strip():
                pytest.fail(f"{block.where}: output before the first '$ ' command")
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip()
                continue
            if pending:
                commands.append((pending, []))
                pending = ""
        for command, expected in commands:
            self.command(block, command, expected)

    def command(self, block: Block, line: str, expected: list[str]) -> None:
        where = f"{block.where}: $ {line}"
        code = 0
        status = EXIT.search(line)
        if status:
            code, line = int(status.group("code")), line[:status.start()]
        capture = CAPTURE.match(line)
        if capture:
            inner = capture.group("command")
            last_word = LAST_WORD.search(inner)
            result = self.bilan_command(inner[:last_word.start()] if last_word else inner,
                                        where)
            assert result.code == code, f"{where}\nexit {result.code}\n{result.out}{result.err}"
            value = result.out.split()[-1] if last_word else result.out.strip()
            self.monkeypatch.setenv(capture.group("name"), value)
            return
        words = shlex.split(os.path.expandvars(line), comments=True)
        if words[0] == "export" and len(words) == 2 and "=" in words[1]:
            name, value = words[1].split("=", 1)
            self.monkeypatch.setenv(name, value)
            return
        if words[0] == "cd" and len(words) == 2:
            self.monkeypatch.chdir(Path(words[1]))
            return
        result = self.bilan_command(line, where)
        output = result.out + result.err
        assert result.code == code, f"{where}\nexit {result.code}, expected {code}\n{output}"
        missing = output_mismatch(expected, result.out, result.err)
        assert missing is None, f"{where}\nexpected the line {missing!r} in:\n{output}"

    def bilan_command(self, line: str, where: str) -> Any:
        words = shlex.split(os.path.expandvars(line), comments=True)
        if not words or words[0] != "bilan":
            pytest.fail(f"{where}: a console block runs bilan, export, cd and"
                        " NAME=$(bilan ...); show other commands in a sh block")
        with self.fresh_process():
            return self.bilan(*words[1:])

    @contextlib.contextmanager
    def fresh_process(self) -> Iterator[None]:
        """While a command runs, the import path is a new ``bilan`` process's: the page's
        folder is not on it (unless ``PYTHONPATH`` puts it there), and the modules imported
        from it by the page's Python blocks are not imported yet."""
        folder = str(self.folder)
        saved_path = sys.path[:]
        saved = {name: module for name, module in sys.modules.items()
                 if (getattr(module, "__file__", None) or "").startswith(folder)}
        for name in saved:
            del sys.modules[name]
        sys.path[:] = [entry for entry in sys.path
                       if os.path.abspath(entry or ".") != folder and entry != folder]
        extra = os.environ.get("PYTHONPATH", "")
        sys.path[:0] = [os.path.abspath(entry) for entry in extra.split(os.pathsep) if entry]
        try:
            yield
        finally:
            sys.path[:] = saved_path
            for name, module in list(sys.modules.items()):
                if (getattr(module, "__file__", None) or "").startswith(folder):
                    del sys.modules[name]
            sys.modules.update(saved)


def _runs(block: Block) -> bool:
    return block.no_run is None and (
        block.lang in ("python", "console", "toml") or block.file_name is not None)


@pytest.fixture
def page_folder(tmp_path, monkeypatch):
    """A fresh folder for a page's examples, holding a copy of ``examples/``: the working
    folder, first on ``sys.path``; the modules imported from it are forgotten afterwards."""
    folder = tmp_path / "page"
    shutil.copytree(ROOT / "examples", folder / "examples")
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        if file.startswith(str(folder)):
            del sys.modules[name]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_of_the_page_run(page, bilan, monkeypatch, capsys, request):
    """Every example of the page runs as the page says (see the module's docstring)."""
    found = blocks(page)
    for block in found:
        if block.lang in ("sh", "bash", "shell", "") and block.no_run is None:
            if page.name in RUN_EVERY_COMMAND and any(bilan_lines(block.text)):
                pytest.fail(f"{block.where}: write the bilan commands of {page.name} in a"
                            " console block, so that they run")
            for line in bilan_lines(block.text):
                problem = check_command_line(line)
                assert problem is None, f"{block.where}: {line}\n{problem}"
    runnable = [block for block in found if _runs(block)]
    if not runnable:
        return
    folder = request.getfixturevalue("page_folder")
    session = Session(folder, bilan, monkeypatch, capsys)
    for block in runnable:
        session.run(block)


def test_left_out_examples_are_few_and_justified():
    """``<!-- no-run: REASON -->`` is the only way to leave a block out, and a rare one."""
    left_out = [b for page in PAGES for b in blocks(page) if b.no_run is not None]
    assert len(left_out) <= MAX_NO_RUN, [b.where for b in left_out]
    for block in left_out:
        assert len(block.no_run.split()) >= 4, f"{block.where}: say why it cannot run"


def test_the_conventions_are_held_by_the_checks():
    """The harness itself: output matching, the command check, the file blocks."""
    assert output_mismatch(["b", "d ... f"], "a\nb\nc\nd e f\n") is None
    assert output_mismatch(["d ... f", "b"], "a\nb\nc\nd e f\n") == "b"
    assert output_mismatch(["warning", "b", "c"], "a\nb\nc\n", "warning\n") is None
    assert output_mismatch(["1 950 €"], "1\u202f950 €\n") is None
    assert check_command_line("bilan funding quote B.toml --price 1 [--json]") is None
    assert check_command_line("bilan --store URL dossier list [--status open|closed]") is None
    assert "no option '--colour'" in check_command_line("bilan run P.toml --colour red")
    assert "no command 'quotes'" in check_command_line("bilan funding quotes B.toml")
    assert list(bilan_lines("python -m pip install . && bilan run a.toml \\\n  -o out\n"
                            "$ bilan plugins\n")) == ["bilan run a.toml -o out",
                                                      "bilan plugins"]
    block = Block(ROOT / "README.md", 1, "python", "# my_plugin.py\nx = 1\n")
    assert block.file_name == "my_plugin.py"
    assert Block(ROOT / "README.md", 1, "toml", "# appended to a pipeline\n").file_name is None


# ------------------------------------------------------------------------------- hooks


def _hook_functions() -> dict[str, object]:
    return {name: hookspecs.spec_signature(name) for name in hookspecs.hook_names()}


def undocumented_hooks(functions: dict[str, object]) -> list[str]:
    """Hooks whose specification has no docstring (a summary line at least)."""
    return [name for name, function in functions.items()
            if not (inspect.getdoc(function) or "").strip()]


#: What counts as a test of a hook: an implementation of it in a test module, marked
#: ``@hookimpl`` (with or without options) on the line above ``def HOOK(``, in the test's own
#: code or in the text of a plugin the test writes and loads.
IMPLEMENTATION = r"@hookimpl\b[^\n]*\n\s*def {name}\("


def hook_test_sources() -> dict[Path, str]:
    """The test modules that may hold a hook's test: every ``tests/**/*.py`` but this one."""
    here = Path(__file__).resolve()
    return {path: path.read_text(encoding="utf-8")
            for path in sorted((ROOT / "tests").rglob("*.py")) if path.resolve() != here}


def untested_hooks(names: Iterable[str], sources: dict[Path, str]) -> list[str]:
    """Hooks that no test implements (see :data:`IMPLEMENTATION`)."""
    return [name for name in names
            if not any(re.search(IMPLEMENTATION.format(name=re.escape(name)), text)
                       for text in sources.values())]


def test_every_hook_is_documented():
    assert undocumented_hooks(_hook_functions()) == []
    for family in hookspecs.FAMILIES:
        assert (inspect.getdoc(family) or "").strip(), family.__name__
    reference = docgen.hooks_reference()
    for name in hookspecs.hook_names():
        assert f"### {name}\n" in reference


def test_every_hook_has_a_test():
    assert untested_hooks(hookspecs.hook_names(), hook_test_sources()) == []


def test_the_hook_rules_catch_what_they_promise():
    """A hook without a docstring, or without a test, is found."""

    class Family:
        def documented(self) -> None:
            """Say something."""

        def silent(self) -> None:
            pass

    functions = {k: v for k, v in vars(Family).items() if not k.startswith("_")}
    assert undocumented_hooks(functions) == ["silent"]
    sources = {Path("t.py"): "@hookimpl\ndef step_end(step):\n    pass\n"
                             "def step_start(step):\n    pass\n"
                             "@hookimpl(tryfirst=True)\n    def report_sections(audience):\n"}
    assert untested_hooks(["step_end", "step_start", "report_sections"], sources) == [
        "step_start"]


# ------------------------------------------------------------------- the CLI reference


def _help_commands(bilan, path: tuple[str, ...]) -> list[str]:
    """The subcommands ``bilan PATH --help`` lists."""
    result = bilan(*path, "--help")
    assert result.code == 0, result.err
    _, found, rest = result.out.partition("\nCommands:\n")
    if not found:
        return []
    names = []
    for line in rest.splitlines():
        if not line.strip():
            break
        match = re.match(r"^  (\S+)", line)
        if match:
            names.append(match.group(1))
    return names


def test_every_command_is_in_the_cli_reference(bilan):
    """Each command ``bilan ... --help`` lists, at any depth, has its section."""
    reference = docgen.cli_reference()
    headings = set(re.findall(r"^#+ (bilan(?: [\w-]+)*)$", reference, re.M))
    todo: list[tuple[str, ...]] = [()]
    seen = 0
    while todo:
        path = todo.pop()
        assert " ".join(("bilan", *path)) in headings, f"missing: bilan {' '.join(path)}"
        seen += 1
        todo += [(*path, name) for name in _help_commands(bilan, path)]
    assert seen == len(headings)
    assert "## bilan new plugin" in reference or "### bilan new plugin" in reference
    assert "Show this message and exit." in reference  # English, whatever the locale


# ------------------------------------------------------------------- generated pages


def test_the_reference_pages_come_from_the_code():
    from bilan_core.api import load_host
    from bilan_core.config.pipeline import CORE_FIELDS
    from bilan_core.instruments.loader import INSTRUMENT

    host = load_host()
    pipeline = docgen.pipeline_reference(host)
    for key in CORE_FIELDS:
        assert f"`{key}`" in pipeline or f"[{key}]" in pipeline, key
    for name in host.registry.config_sections:
        assert f"[plugin.{name}]" in pipeline
    instrument = docgen.instrument_reference()
    for key in INSTRUMENT.fields:
        assert f"`{key}`" in instrument or f"[{key}]" in instrument, key
    rules = docgen.funding_rules_reference(host)
    for funder_id, funder in host.registry.funders.items():
        assert f"{{#funder-{funder_id}}}" in rules
        for rule in funder.rules:
            assert f"`{rule.id}`" in rules
    assert set(docgen.PAGES) == {f"reference/{name}" for name in (
        "hooks.md", "pipeline-file.md", "instrument-file.md", "funding-rules.md", "cli.md")}
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for path in (*docgen.PAGES, *WRITTEN_REFERENCES):
        assert path in nav, path


def test_markdown_of_docstrings():
    text = docgen.markdown_docstring("""Do it.

        Uses :func:`bilan_core.report.text.plain` and ``x``.

        :param step: the step's context,
            on two lines.

        .. versionadded:: 0.1
        """)
    assert "`bilan_core.report.text.plain` and `x`" in text
    assert "- `step`: the step's context, on two lines." in text
    assert "*Added in version 0.1*" in text


# ------------------------------------------------------------------------- the drift


def test_plugins_page_lists_every_built_in_and_first_party_plugin():
    from bilan_core.plugins import BUILTIN_PLUGINS

    text = (DOCS / "plugins.md").read_text(encoding="utf-8")
    for name, _module in BUILTIN_PLUGINS:
        assert f"`{name}`" in text, name
    for folder in sorted((ROOT / "plugins").iterdir()):
        if (folder / "pyproject.toml").is_file():
            assert f"`{folder.name}`" in text, folder.name


def test_no_page_sends_plugin_authors_to_a_private_module():
    private = re.compile(r"bilan_core(?:\.\w+)*\._[a-z]\w*")
    for page in PAGES:
        if page.name == "architecture.md":  # it describes the internals, on purpose
            continue
        found = private.findall(page.read_text(encoding="utf-8"))
        assert not found, f"{page.name}: {found}"


def test_the_architecture_cites_only_files_that_exist():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    assert "not built yet" not in text
    cited = {m for m in re.findall(r"`([\w./-]+)`", text)
             if "/" in m or re.search(r"\.(py|md|j2)$", m)}
    assert cited
    bases = (ROOT, ROOT / "src", ROOT / "src" / "bilan_core", DOCS, ROOT / "plugins")
    names = {path.name for path in (ROOT / "src").rglob("*")}  # a module named in its folder
    for path in sorted(cited):
        assert any((base / path).exists() for base in bases) or (
            "/" not in path.rstrip("/") and path.rstrip("/") in names), path


# ----------------------------------------------------------------------------- the site


@pytest.mark.skipif(os.environ.get("BILAN_DOCS_BUILD") != "1",
                    reason="the site is built by the tox env 'docs' (BILAN_DOCS_BUILD=1)")
def test_the_site_builds_strictly(tmp_path):
    """``mkdocs build --strict``: every page, link and anchor, the generated references and
    the API pages; nothing is fetched (no web font, no remote asset)."""
    assert importlib.util.find_spec("mkdocs") is not None, "install mkdocs-material"
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                             str(site)], cwd=ROOT, capture_output=True, text=True, env=env,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    for page in ("tutorial", "reference/hooks", "reference/cli", "api"):
        assert (site / page / "index.html").is_file(), page
    remote = re.compile(r"""(?:src|href)=["']https?://""")
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text
        for match in remote.finditer(text):
            tag = text[text.rfind("<", 0, match.start()):match.end()]
            assert tag.startswith("<a "), f"{html.relative_to(site)} loads {tag}"
