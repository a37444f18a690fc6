"""The contacts a beneficiary keeps after the bilan, and the counsellor's closing checklist.

`report_sections` is called once per audience when the synthèse is built, after the last
step: it returns the sections of that audience only. The beneficiary's go into the document
de synthèse they keep, the counsellor's into the working notes; neither ever reaches the other.
"""

from __future__ import annotations

from bilan_core import hookimpl
from bilan_core.model import Audience, Dossier, ReportSection
from bilan_core.model.common import add_months
from bilan_core.report.text import plain

#: The plugin's name, which starts the ids of its sections, and its distribution.
PLUGIN = "example_section"
SOURCE = "bilan-example-section"
#: After the bilan, the provider offers a follow-up interview this many months later.
FOLLOW_UP_MONTHS = 6
#: Who helps after the bilan, whatever the beneficiary's situation (free services).
CONTACTS = (
    "**Conseil en évolution professionnelle (CEP)** : un accompagnement gratuit et"
    " confidentiel pour mettre en œuvre votre projet",
    "**Mon Compte Formation** : vos droits CPF et les formations qu'ils financent",
    "**France Travail** : si vous cherchez un emploi, votre conseiller ou conseillère",
    "**Transitions Pro** de votre région : le financement d'un projet de transition"
    " professionnelle, si vous êtes salarié·e",
)


def beneficiary_section(dossier: Dossier) -> ReportSection:
    """Who to turn to after the bilan, and when the follow-up interview will be offered."""
    day = add_months(dossier.reference_date, FOLLOW_UP_MONTHS)
    contacts = "\n".join(f"- {contact}" for contact in CONTACTS)
    # Text typed by a person (the provider's name) goes through plain(): no markup of its own.
    body = (f"Pour avancer dans votre projet, vous pouvez vous adresser à :\n\n{contacts}"
            f"\n\nVers le {day:%d/%m/%Y}, {plain(dossier.provider.name)} vous proposera un"
            " entretien de suivi ; vous êtes libre de l'accepter ou non.")
    return ReportSection(id=f"{PLUGIN}_interlocuteurs", title="Après le bilan : vos interlocuteurs",
                         body=body, order=950, source=SOURCE)


def counsellor_section(dossier: Dossier) -> ReportSection:
    """What the counsellor does to close the dossier."""
    day = add_months(dossier.reference_date, FOLLOW_UP_MONTHS)
    keep_until = dossier.retention.keep_until
    documents = (f"conserver les documents jusqu'au {keep_until:%d/%m/%Y}, avec l'accord écrit"
                 " du bénéficiaire" if keep_until is not None
                 else "détruire les documents du bilan à sa fin (pas d'accord de conservation)")
    body = "\n".join([
        "1. Remettre le document de synthèse au bénéficiaire, et à lui seul",
        f"2. {documents[0].upper()}{documents[1:]}",
        "3. Envoyer le questionnaire de satisfaction",
        f"4. Proposer l'entretien de suivi vers le {day:%d/%m/%Y}",
    ])
    return ReportSection(id=f"{PLUGIN}_cloture", title="Clôture du dossier", body=body,
                         order=950, audience=Audience.COUNSELLOR, source=SOURCE)


@hookimpl
def report_sections(dossier: Dossier, audience: Audience) -> list[ReportSection]:
    if audience is Audience.BENEFICIARY:
        return [beneficiary_section(dossier)]
    return [counsellor_section(dossier)]
