"""The provider's branding of the documents, recorded in the dossier.

Branding is written by staff in the pipeline's ``[report]`` table and recorded in the dossier,
so that ``bilan report`` renders the same document later. A dossier read back from disk is
untrusted, so every field is validated here, whichever way it arrives: a colour is ``#rgb`` or
``#rrggbb`` (it goes into CSS), the logo and the template's assets are ``data:`` URIs of images
or fonts whose bytes are what they claim (an SVG is checked to be inert), and the template is
text that the renderer compiles in Jinja2's sandbox.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import attrs

from bilan_core.i18n import _
from bilan_core.model.common import FieldValueError, as_tuple, non_empty
from bilan_core.model.outcomes import Audience
from bilan_core.values import plain_repr

COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")
LOGO_LIMIT = 1_000_000
TEMPLATE_LIMIT = 512_000
ASSET_LIMIT = 1_000_000
MAX_ASSETS = 32

#: Media types of embedded files, and the first bytes each must start with.
MEDIA_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "image/svg+xml": (),
    "font/woff": (b"wOFF",),
    "font/woff2": (b"wOF2",),
    "font/ttf": (b"\x00\x01\x00\x00", b"true"),
    "font/otf": (b"OTTO",),
}
#: File extensions of files that may be embedded, and their media types.
EXTENSIONS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml",
              ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
              ".otf": "font/otf"}
LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
_DATA = re.compile(r"data:([a-z0-9.+/-]+);base64,([A-Za-z0-9+/=\s]*)", re.IGNORECASE)


def embed_problem(media_type: str, data: bytes) -> str | None:
    """Why ``data`` cannot be embedded as ``media_type``, or ``None`` when it can."""
    magic = MEDIA_TYPES.get(media_type)
    if magic is None:
        return _("files of type {type} cannot be embedded").format(type=media_type)
    if magic and not data.startswith(magic):
        return _("the file's content is not {type}").format(type=media_type)
    if media_type == "image/svg+xml":
        from bilan_core.report.safety import UnsafeContent, check_svg

        try:
            check_svg(data)
        except UnsafeContent as exc:
            return exc.message
    return None


def data_uri(media_type: str, data: bytes) -> str:
    """A ``data:`` URI of ``data``."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def decode_data_uri(uri: str, limit: int) -> tuple[str, bytes]:
    """``(media type, bytes)`` of a base64 ``data:`` URI this module wrote; ValueError if not
    one, over ``limit`` bytes, or not the file it claims to be."""
    match = _DATA.fullmatch(uri) if isinstance(uri, str) else None
    if match is None:
        raise ValueError(_("expected a base64 data: URI of an image or a font"))
    media_type = match.group(1).lower()
    if len(match.group(2)) > limit * 4 // 3 + 8:
        raise ValueError(_("the embedded file is over {limit:,} bytes").format(limit=limit))
    try:
        data = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        raise ValueError(_("the embedded file is not valid base64")) from None
    problem = embed_problem(media_type, data)
    if problem:
        raise ValueError(problem)
    return media_type, data


def _logo(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    try:
        media_type, _data = decode_data_uri(value, LOGO_LIMIT)
    except ValueError as exc:
        raise FieldValueError("logo", _("logo: {problem}").format(problem=exc)) from None
    if media_type not in LOGO_TYPES:
        raise FieldValueError("logo", _("the logo must be a PNG, JPEG or SVG image"))


def _colour(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not (isinstance(value, str) and COLOUR.fullmatch(value)):
        raise FieldValueError("colour", _("colour must be written #rgb or #rrggbb, got"
                                          " {value}").format(value=f"{value!r:.60}"))


def _template(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or len(value) > TEMPLATE_LIMIT):
        raise FieldValueError("template", _("the template must be text of at most"
                                            " {limit:,} characters").format(limit=TEMPLATE_LIMIT))


def _file_name(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > 255
                              or any(c in value for c in "/\\\x00")
                              or not value.isprintable()):
        raise FieldValueError(attribute.name, _("{field} must be a file name, got {value}").format(
            field=attribute.name, value=f"{value!r:.60}"))


def _assets(instance: Any, attribute: attrs.Attribute[Any], value: dict[str, str]) -> None:
    if len(value) > MAX_ASSETS:
        raise FieldValueError("assets", _("a template may embed {count} files at most").format(
            count=MAX_ASSETS))
    for name, uri in value.items():
        if not isinstance(name, str) or not 0 < len(name) <= 255 or not name.isprintable():
            raise FieldValueError("assets", _("asset names must be printable file names, got"
                                              " {name}").format(name=f"{name!r:.60}"))
        try:
            decode_data_uri(uri, ASSET_LIMIT)
        except ValueError as exc:
            raise FieldValueError("assets", _("asset {name!r}: {problem}").format(
                name=name, problem=exc)) from None


@plain_repr
@attrs.frozen(repr=False)
class ExtraSection:
    """A section of the provider's own (``[[report.extra_sections]]``)."""

    title: str = attrs.field(validator=non_empty)
    body: str = attrs.field(validator=attrs.validators.instance_of(str))
    order: int = attrs.field(default=800, validator=attrs.validators.instance_of(int))
    audience: Audience = attrs.field(default=Audience.BENEFICIARY, converter=Audience)


@plain_repr
@attrs.frozen(repr=False)
class Branding:
    """How the provider's documents look: name, logo, colour, signature, template."""

    provider_name: str | None = None
    colour: str | None = attrs.field(default=None, validator=_colour)
    logo: str | None = attrs.field(default=None, validator=_logo)  # a data: URI
    signature: str | None = None
    template: str | None = attrs.field(default=None, validator=_template)
    template_name: str | None = attrs.field(default=None, validator=_file_name)
    assets: dict[str, str] = attrs.field(factory=dict, validator=_assets)  # name -> data: URI
    sections: tuple[ExtraSection, ...] = attrs.field(default=(), converter=as_tuple)
