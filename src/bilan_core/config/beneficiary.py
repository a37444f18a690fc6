"""The beneficiary's description: inline in a pipeline or in a file of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bilan_core.config.schema import (
    Bool,
    Context,
    Date,
    Euros,
    Field,
    FilePath,
    Hours,
    Number,
    Str,
    Table,
)
from bilan_core.config.toml import KeyLocator, read_toml
from bilan_core.errors import KeyPart
from bilan_core.i18n import N_, _
from bilan_core.model import Beneficiary, PublicBranch, Status

BENEFICIARY_FIELDS: dict[str, Field] = {
    "id": Field(Str(min_length=1), required=True,
                help=N_("pseudonymous id; never a name or an email")),
    "status": Field(Str(choices=tuple(s.value for s in Status)), required=True,
                    help=N_("private_employee, public_agent, job_seeker or self_employed")),
    "rqth": Field(Bool(), default=None, help="recognised disabled worker (RQTH / BOETH)"),
    "cpf_balance": Field(Euros(), default=None, help="CPF rights in euros (private sector)"),
    "cpf_hours": Field(Hours(maximum=1000), help="CPF rights in hours (public agents)"),
    "employer": Field(Str(), help="the employer's name, if any"),
    "previous_bilan": Field(Date(), help="date of the previous bilan, if any"),
    "public_branch": Field(Str(choices=tuple(b.value for b in PublicBranch)),
                           help="FPE, FPT or FPH, for public agents"),
    "years_of_service": Field(Number(minimum=0, maximum=60),
                              help="years with the current employer (public: years of service)"),
    "employer_staff": Field(Number(minimum=0, integer=True), help="the employer's headcount"),
    "previous_bilan_funder": Field(Str(min_length=1),
                                   help="who paid the previous bilan: cpf, employer, opco,"
                                        " france_travail, public_employer, anfh, faf..."),
    "c2p_points": Field(Number(minimum=0, integer=True), default=None,
                        help="points of the compte professionnel de prévention used"),
    "atmp_rate": Field(Number(minimum=0, maximum=100, integer=True), default=None,
                       help="permanent incapacity rate after a work accident or disease, in %"),
    "employer_top_up": Field(Euros(), default=None, help="the employer's top-up (abondement)"),
    "working_time": Field(Bool(), default=None, help="whether the bilan is on working time"),
    "address": Field(Str(choices=("madame", "monsieur")),
                     help=N_("the form of address the beneficiary chose (madame, monsieur);"
                             " without it, documents use inclusive forms")),
    "faf": Field(Str(min_length=1), help="the self-employed's training fund (FIF-PL...)"),
}

BENEFICIARY = Table(BENEFICIARY_FIELDS, help="the beneficiary, known by a pseudonymous id")

#: In a pipeline, the beneficiary is either written inline or read from ``file``.
INLINE_BENEFICIARY = Table(
    {**BENEFICIARY_FIELDS,
     "id": Field(Str(min_length=1), help=BENEFICIARY_FIELDS["id"].help),
     "status": Field(BENEFICIARY_FIELDS["status"].kind, help=BENEFICIARY_FIELDS["status"].help),
     "rqth": Field(Bool(), help=BENEFICIARY_FIELDS["rqth"].help),
     "working_time": Field(Bool(), help=BENEFICIARY_FIELDS["working_time"].help),
     "file": Field(FilePath(), help="a beneficiary file, instead of the keys inline")},
    help="the beneficiary: inline keys, or file = \"beneficiary.toml\"",
)


def make_beneficiary(values: dict[str, Any], path: tuple[KeyPart, ...],
                     ctx: Context) -> Beneficiary:
    """Build the model from checked values; a rule the model enforces becomes a located error."""
    kwargs = {k: v for k, v in values.items() if v is not None and k != "file"}
    try:
        return Beneficiary(**kwargs)
    except ValueError as exc:
        # A model validator names its field; another message starts with it (in any language).
        key = getattr(exc, "field", None) or str(exc).split()[0]
        raise ctx.error(str(exc), (*path, key) if key in values else path) from None


def read_beneficiary_file(path: Path) -> Beneficiary:
    """Read a beneficiary file (the format of the inline ``[beneficiary]`` table, top level)."""
    data, text = read_toml(path, "beneficiary file")
    ctx = Context(path, KeyLocator(text))
    return make_beneficiary(BENEFICIARY.check(data, (), ctx), (), ctx)


def pipeline_beneficiary(values: dict[str, Any], ctx: Context) -> Beneficiary:
    """The pipeline's beneficiary, inline or from its file (never both)."""
    inline = [k for k, v in values.items() if v is not None and k != "file"]
    if values.get("file") is not None:
        if inline:
            raise ctx.error(
                _("give the beneficiary either inline or with 'file', not both"
                  " (found {keys} beside file)").format(keys=", ".join(inline)),
                ("beneficiary", "file"))
        return read_beneficiary_file(values["file"])
    for key in ("id", "status"):
        if values.get(key) is None:
            raise ctx.error(_("missing required key {key!r} (or give file = \"...\")").format(
                key=key), ("beneficiary",))
    return make_beneficiary(values, ("beneficiary",), ctx)
