"""Instruments written in TOML, so providers add their own without writing Python.

The format is documented in ``docs/instruments.md``; every error names the file, the key path
(items and scales by their id) and the line, like the pipeline loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bilan_core.config.schema import (
    ArrayOf,
    Bool,
    Context,
    Field,
    Identifier,
    ListOf,
    MapOf,
    Number,
    Str,
    Table,
)
from bilan_core.config.toml import KeyLocator, parse_toml, read_toml
from bilan_core.errors import KeyPart, did_you_mean
from bilan_core.i18n import N_, _
from bilan_core.model import (
    Band,
    Instrument,
    Item,
    ItemPair,
    Key,
    NormTable,
    Option,
    ResponseFormat,
    ResponseScale,
    Scale,
    ScaleNorm,
    Validity,
)

FORMATS = tuple(f.value for f in ResponseFormat)
TEXT = Str(min_length=1)

KEY = Table({
    "scale": Field(Identifier(), required=True),
    "reverse": Field(Bool(), default=False),
    "weight": Field(Number(minimum=0), default=1.0),
})

OPTION = Table({
    "id": Field(Identifier(), required=True),
    "text": Field(TEXT, required=True, help=N_("the option's text, in French")),
    "scale": Field(Identifier(), help="the scale a choice of this option counts towards"),
})

ITEM = Table({
    "id": Field(Identifier(), required=True),
    "text": Field(TEXT, required=True, help=N_("the item's text, in French")),
    "scale": Field(Identifier(), help="shorthand for keys = [{ scale = ... }]"),
    "reverse": Field(Bool(), default=False, help="with scale: reverse-keyed (min + max - x)"),
    "keys": Field(ArrayOf(KEY, id_key="scale"), default=(),
                  help="the scales the item counts towards"),
    "format": Field(Str(choices=FORMATS), help="overrides the instrument's response format"),
    "options": Field(ArrayOf(OPTION, id_key="id"), default=(),
                     help="choices of a forced_choice or ranking item"),
})

SCALE = Table({
    "id": Field(Identifier(), required=True),
    "name": Field(TEXT, required=True, help=N_("the scale's name, in French")),
    "description": Field(Str(), default=""),
    "method": Field(Str(choices=("sum", "mean")), default="sum"),
})

SCALE_NORM = Table({
    "mean": Field(Number(), required=True),
    "sd": Field(Number(minimum=0), required=True),
    "reliability": Field(Number(minimum=0, maximum=1), help="for the SEM band"),
    "distribution": Field(ListOf(ListOf(Number(), min_items=2)), default=(),
                          help="[raw score, count] pairs, for exact percentile ranks"),
})

NORMS = Table({
    "group": Field(TEXT, required=True,
                   help=N_("who the norms describe (age band, sex or all)")),
    "n": Field(Number(minimum=1, integer=True), required=True),
    "year": Field(Number(minimum=1900, maximum=2100, integer=True), required=True),
    "illustrative": Field(Bool(), default=False,
                          help="true until real norm data exist"),
    "source": Field(Str(), default=""),
    "scales": Field(MapOf(SCALE_NORM), required=True, help=N_("scale id = { mean, sd, ... }")),
})

BAND = Table({
    "scale": Field(Str(min_length=1), default="*", help="a scale id, or * for every scale"),
    "by": Field(Str(choices=("t", "percentile", "raw", "mean", "stanine", "sten")),
                default="t"),
    "from": Field(Number(), help="lower bound, inclusive"),
    "to": Field(Number(), help="upper bound, exclusive"),
    "label": Field(TEXT, required=True, help=N_("e.g. « élevé »")),
    "text": Field(Str(), default="", help="what the band means, in French"),
})

PAIR = Table({
    "items": Field(ListOf(Identifier(), min_items=2), required=True),
    "relation": Field(Str(choices=("same", "opposite")), default="same"),
})

VALIDITY = Table({
    "min_answered": Field(Number(minimum=0, maximum=1), default=0.8,
                          help="share of a scale's items needed to prorate it"),
    "longstring": Field(Number(minimum=2, integer=True),
                        help="identical answers in a row that raise a flag"),
    "min_seconds_per_item": Field(Number(minimum=0), default=1.0),
    "acquiescence": Field(Number(minimum=0, maximum=1), default=0.75),
    "inconsistent_pairs": Field(Number(minimum=0, maximum=1), default=0.3),
    "disable": Field(ListOf(Str(choices=("longstring", "pairs", "acquiescence", "too_fast")),
                            unique=True), default=(), help="flags to switch off"),
})

RESPONSE_SCALE = Table({
    "format": Field(Str(choices=FORMATS), required=True),
    "min": Field(Number(integer=True), default=1),
    "max": Field(Number(integer=True), default=5),
    "labels": Field(ListOf(TEXT), default=(), help="one label per point, in French"),
})

INSTRUMENT = Table({
    "id": Field(Identifier(), required=True),
    "version": Field(TEXT, required=True),
    "title": Field(TEXT, required=True),
    "language": Field(Str(), default="fr"),
    "licence": Field(TEXT, required=True, help=N_("the licence of the items")),
    "copyright": Field(TEXT, required=True, help=N_("who wrote the items")),
    "instructions": Field(Str(), default=""),
    "profile": Field(Str(choices=("riasec",)), help="riasec: Holland code and indices"),
    "purpose": Field(Str(choices=("assessment", "feedback")), default="assessment",
                     help="feedback: a satisfaction or follow-up questionnaire, kept as the"
                          " provider's evidence apart from the bilan"),
    "response_scale": Field(RESPONSE_SCALE, required=True),
    "scales": Field(ArrayOf(SCALE, id_key="id"), required=True),
    "items": Field(ArrayOf(ITEM, id_key="id"), required=True),
    "pairs": Field(ArrayOf(PAIR), default=()),
    "bands": Field(ArrayOf(BAND, unique_id=False), default=()),
    "norms": Field(ArrayOf(NORMS, id_key="group"), default=()),
    "validity": Field(VALIDITY, default=None),
}, help="an assessment instrument")


def load_instrument(path: Path, text: str | None = None) -> Instrument:
    """Load and check an instrument file (its ``text`` when already read); errors name the
    file, key path and line."""
    if text is None:
        data, text = read_toml(path, "instrument file")
    else:
        data = parse_toml(text, path)
    ctx = Context(path, KeyLocator(text))
    values = INSTRUMENT.check(data, (), ctx)
    return build_instrument(values, ctx)



def build_instrument(values: dict[str, Any], ctx: Context) -> Instrument:
    """Turn checked values into an :class:`Instrument`, checking what refers to what."""
    scale_ids = [s["id"] for s in values["scales"]]
    if values["profile"] == "riasec" and sorted(scale_ids) != sorted("RIASEC"):
        raise ctx.error(_("profile = \"riasec\" needs exactly the six scales R, I, A, S, E, C,"
                          " found {scales}").format(scales=", ".join(scale_ids)), ("profile",))
    scales = tuple(Scale(id=s["id"], name=s["name"], description=s["description"],
                         method=s["method"]) for s in values["scales"])
    try:
        response_scale = ResponseScale(**values["response_scale"])
    except ValueError as exc:
        raise ctx.error(str(exc), ("response_scale",)) from None

    items = []
    for i, entry in enumerate(values["items"]):
        where: tuple[KeyPart, ...] = ("items", (i, entry["id"]))
        items.append(_item(entry, where, scale_ids, response_scale, ctx))
    used = {scale for item in items for scale in item.scales()}
    for i, scale_id in enumerate(scale_ids):
        if scale_id not in used:
            raise ctx.error(_("scale {scale!r} has no item").format(scale=scale_id),
                            ("scales", (i, scale_id)))

    by_id = {item.id: item for item in items}
    item_ids = set(by_id)
    pairs = []
    for i, entry in enumerate(values["pairs"]):
        ids = entry["items"]
        if len(ids) != 2:
            raise ctx.error(_("a pair names exactly two items"), ("pairs", (i, None), "items"))
        for item_id in ids:
            if item_id not in item_ids:
                raise ctx.error(_("unknown item {item!r}{suggestion}").format(
                    item=item_id, suggestion=did_you_mean(item_id, item_ids)),
                                ("pairs", (i, None), "items"))
        first, second = by_id[ids[0]], by_id[ids[1]]
        shared = {k.scale for k in first.keys} & {
            k.scale for k in second.keys}
        if not shared:
            raise ctx.error(_("items {first!r} and {second!r} share no scale: a pair compares"
                              " two items of the same scale").format(first=ids[0], second=ids[1]),
                            ("pairs", (i, None), "items"))
        scale_id = sorted(shared)[0]
        same_key = (next(k.reverse for k in first.keys if k.scale == scale_id)
                    == next(k.reverse for k in second.keys if k.scale == scale_id))
        if (entry["relation"] == "same") != same_key:
            raise ctx.error(
                _("a 'same' pair needs two items keyed the same way, an 'opposite' pair one"
                  " direct and one reverse-keyed item"), ("pairs", (i, None), "relation"))
        pairs.append(ItemPair(ids[0], ids[1], entry["relation"]))

    bands = []
    for i, entry in enumerate(values["bands"]):
        if entry["scale"] != "*" and entry["scale"] not in scale_ids:
            raise ctx.error(_("unknown scale {scale!r}{suggestion}").format(
                scale=entry["scale"], suggestion=did_you_mean(entry["scale"], scale_ids)),
                ("bands", (i, None), "scale"))
        if entry["from"] is not None and entry["to"] is not None and (
                entry["from"] >= entry["to"]):
            raise ctx.error(_("'from' must be below 'to'"), ("bands", (i, None), "to"))
        bands.append(Band(scale=entry["scale"], label=entry["label"], text=entry["text"],
                          by=entry["by"], low=entry["from"], high=entry["to"]))

    norms = []
    for i, entry in enumerate(values["norms"]):
        where = ("norms", (i, entry["group"]))
        scale_norms = []
        for scale_id, norm in entry["scales"].items():
            if scale_id not in scale_ids:
                raise ctx.error(_("unknown scale {scale!r}{suggestion}").format(
                    scale=scale_id, suggestion=did_you_mean(scale_id, scale_ids)),
                    (*where, "scales", scale_id))
            if norm["sd"] <= 0:
                raise ctx.error(_("sd must be positive"), (*where, "scales", scale_id, "sd"))
            for j, point in enumerate(norm["distribution"]):
                if len(point) != 2 or point[1] < 0 or point[1] != int(point[1]):
                    raise ctx.error(_("each distribution entry is [raw score, count], the count"
                                      " a whole number"), (*where, "scales", scale_id,
                                                           "distribution", (j, None)))
            scale_norms.append(ScaleNorm(
                scale=scale_id, mean=norm["mean"], sd=norm["sd"],
                reliability=norm["reliability"],
                distribution=tuple((float(p[0]), int(p[1])) for p in norm["distribution"])))
        norms.append(NormTable(instrument=values["id"], group=entry["group"], n=entry["n"],
                               year=entry["year"], scales=tuple(scale_norms),
                               illustrative=entry["illustrative"], source=entry["source"]))

    rules = dict(values["validity"] or {})
    for flag in rules.pop("disable", ()):
        key = {"too_fast": "min_seconds_per_item", "pairs": "inconsistent_pairs"}.get(flag, flag)
        rules[key] = 0 if key == "longstring" else None
    validity = Validity(**rules)
    return Instrument(
        id=values["id"], version=values["version"], title=values["title"],
        language=values["language"], licence=values["licence"],
        copyright=values["copyright"], response_scale=response_scale, scales=scales,
        items=tuple(items), instructions=values["instructions"], profile=values["profile"],
        pairs=tuple(pairs), bands=tuple(bands), norms=tuple(norms), validity=validity,
        purpose=values["purpose"])


def _item(entry: dict[str, Any], where: tuple[KeyPart, ...], scale_ids: list[str],
          response_scale: ResponseScale, ctx: Context) -> Item:
    keys = [Key(k["scale"], k["reverse"], k["weight"]) for k in entry["keys"]]
    if entry["scale"] is not None:
        if keys:
            raise ctx.error(_("give either scale or keys, not both"), (*where, "scale"))
        keys = [Key(entry["scale"], entry["reverse"])]
    elif entry["reverse"]:
        raise ctx.error(_("reverse goes with scale; in keys, write reverse in each key"),
                        (*where, "reverse"))
    for key in keys:
        if key.scale not in scale_ids:
            raise ctx.error(_("unknown scale {scale!r}{suggestion}").format(
                scale=key.scale, suggestion=did_you_mean(key.scale, scale_ids)),
                            (*where, "scale" if entry["scale"] else "keys"))
    fmt = ResponseFormat(entry["format"] or response_scale.format.value)
    options = [Option(o["id"], o["text"], o["scale"]) for o in entry["options"]]
    if fmt in (ResponseFormat.FORCED_CHOICE, ResponseFormat.RANKING):
        if len(options) < 2:
            raise ctx.error(_("a {format} item needs at least two options").format(
                format=fmt.value), where)
        if keys:
            raise ctx.error(_("a {format} item counts through its options' scales, not keys")
                            .format(format=fmt.value), where)
        for j, option in enumerate(options):
            if option.scale is not None and option.scale not in scale_ids:
                raise ctx.error(_("unknown scale {scale!r}{suggestion}").format(
                                    scale=option.scale,
                                    suggestion=did_you_mean(option.scale, scale_ids)),
                                (*where, "options", (j, option.id), "scale"))
    elif options:
        raise ctx.error(_("options go with forced_choice or ranking items, not {format}").format(
                            format=fmt.value),
                        (*where, "options"))
    if fmt is ResponseFormat.FREE_TEXT and keys:
        raise ctx.error(_("a free_text item is kept but not scored: it takes no scale"), where)
    scored_by_options = any(o.scale for o in options)
    if fmt is not ResponseFormat.FREE_TEXT and not keys and not scored_by_options:
        raise ctx.error(_("item counts towards no scale: give it a scale (or keys), or make it"
                          " format = \"free_text\" if it is not scored"), where)
    return Item(id=entry["id"], text=entry["text"], keys=tuple(keys),
                format=ResponseFormat(entry["format"]) if entry["format"] else None,
                options=tuple(options))




def packaged_instruments(package: str, folder: str = "instruments") -> list[PackagedInstrument]:
    """The instruments a plugin ships as TOML files in a folder of its package, each read
    when a command first uses it (:class:`PackagedInstrument`).

    A plugin registers them with::

        @hookimpl
        def register_instruments(register):
            for instrument in packaged_instruments(__package__):
                register(instrument)
    """
    import importlib

    # The package's folder on disk (importlib.resources would import zipfile and shutil for
    # packages installed as zip files, which bilan's plugins are not): read at every start.
    locations = list(getattr(importlib.import_module(package), "__path__", ()))
    root = Path(locations[0]) / folder if locations else None
    if root is None or not root.is_dir():
        from importlib import resources

        root = Path(str(resources.files(package) / folder))
    return [PackagedInstrument(entry) for entry in sorted(
        root.iterdir(), key=lambda e: e.name) if entry.name.endswith(".toml")]


# ``id = "..."`` written before the first table of a TOML file: the instrument's id.
_DECLARED_ID = re.compile(r"""id\s*=\s*(?:"([^"\\]*)"|'([^']*)')\s*(?:#.*)?""")


class PackagedInstrument:
    """An instrument a plugin ships, registered by its id and read on first use.

    Every command that loads plugins would otherwise parse and check every instrument file of
    every plugin, used or not (``bilan plugins``, ``bilan --help``, the store's commands). The
    file is read (bounded and checked) when this is made, and its id taken from its first
    lines; the TOML is parsed and checked when the host's registry hands the instrument out,
    and a file that does not load is then an error naming its file, key and line. Reading an
    attribute (``.items``, ``.scales``) loads it too, so code written for the
    :class:`~bilan_core.model.Instrument` objects this function once returned still works.
    """

    __slots__ = ("_loaded", "id", "path", "text")

    def __init__(self, path: Path) -> None:
        from bilan_core.files import decode_utf8, read_input

        self.path = path
        self.text = decode_utf8(read_input(path, "instrument file"), path, "instrument file")
        self._loaded: Instrument | None = None
        declared = _declared_id(self.text)
        if declared is None:  # written otherwise: parsed now to know it
            self._loaded = load_instrument(self.path, self.text)
            declared = self._loaded.id
        self.id = declared

    def load(self) -> Instrument:
        """The instrument, parsed and checked once."""
        if self._loaded is None:
            instrument = load_instrument(self.path, self.text)
            if instrument.id != self.id:
                ctx = Context(self.path, KeyLocator(self.text))
                raise ctx.error(_("the id read first, {first!r}, is not the instrument's id"
                                  " {id!r}").format(first=self.id, id=instrument.id), ("id",))
            self._loaded = instrument
        return self._loaded

    def __getattr__(self, name: str) -> Any:
        return getattr(self.load(), name)

    def __repr__(self) -> str:
        return f"PackagedInstrument({str(self.path)!r}, id={self.id!r})"


def _declared_id(text: str) -> str | None:
    """The top-level ``id`` of a TOML text when written plainly before any table, or None
    (the file is then parsed at once to find it). Only one-line ``key = value`` lines are
    read: at a multi-line string or array, the scan stops rather than guess."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[") or '"""' in stripped or "'''" in stripped:
            return None
        match = _DECLARED_ID.fullmatch(stripped)
        if match:
            return match.group(1) if match.group(1) is not None else match.group(2)
        if not _ONE_LINE.fullmatch(stripped):
            return None
    return None


# A bare key and a value that ends on its line (a string, number, boolean, date, or an
# array or inline table closed on it).
_ONE_LINE = re.compile(r"""[A-Za-z0-9_-]+\s*=\s*(?:"[^"\\]*(?:\\.[^"\\]*)*"|'[^']*'"""
                       r"""|[^"'\[{]+|\[.*\]|\{.*\})\s*(?:#.*)?""")


class Instruments(dict[str, Any]):
    """The registry's instruments by id: a :class:`PackagedInstrument` is loaded when it is
    first handed out, so every reader gets an :class:`~bilan_core.model.Instrument` (a copy,
    ``dict(...)`` or ``{**...}`` included: they read through ``__getitem__``)."""

    def __getitem__(self, key: str) -> Instrument:
        value = super().__getitem__(key)
        if isinstance(value, PackagedInstrument):
            value = value.load()
            super().__setitem__(key, value)
        return value  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().keys()))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default  # noqa: SIM401 - get itself

    def values(self) -> list[Instrument]:  # type: ignore[override]
        return [self[key] for key in self]

    def items(self) -> list[tuple[str, Instrument]]:  # type: ignore[override]
        return [(key, self[key]) for key in self]

    def copy(self) -> Instruments:
        return Instruments(super().items())
