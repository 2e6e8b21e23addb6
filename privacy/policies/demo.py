"""Demo data: a first privacy-policy version, published, so a fresh demo has a
version in force and the console shows what a published one looks like."""

from django.utils import timezone

from privacy.policies.models import PolicyVersion
from privacy.policies.selectors import published_list
from privacy.policies.services import (
    policy_version_create,
    policy_version_publish,
    policy_version_update,
)

DEMO_VERSION = "2026-01"
TEXT_EN = "\n\n".join(
    (
        "Instaply processes the messages you send to the shops that use it, on their behalf.",
        "What we keep: the messages, the contact details you give (name, phone number, "
        "email) and when you wrote. Everything that identifies you is encrypted.",
        "How long: at most the period the shop set; then it is deleted.",
        "Your rights: ask the shop to see, correct, move or delete your data, or to stop "
        "processing it. Text STOP to stop SMS messages.",
    )
)
TEXT_FR = "\n\n".join(
    (
        "Instaply traite les messages que vous envoyez aux commerces qui l'utilisent, pour "
        "leur compte.",
        "Ce que nous conservons : les messages, les coordonnées que vous donnez (nom, numéro "
        "de téléphone, e-mail) et la date de vos échanges. Tout ce qui vous identifie est "
        "chiffré.",
        "Combien de temps : au plus la durée fixée par le commerce ; ensuite tout est supprimé.",
        "Vos droits : demandez au commerce de voir, corriger, transférer ou supprimer vos "
        "données, ou d'en arrêter le traitement. Envoyez STOP pour ne plus recevoir de SMS.",
    )
)


def demo_policy_ensure(*, dpo) -> PolicyVersion:
    """Idempotent: publishes the demo's first version unless one is published.
    It takes effect as it is published, so nothing before it is stamped with it."""
    existing = published_list().first()
    if existing is not None:
        return existing
    now = timezone.now()
    version = PolicyVersion.objects.filter(version=DEMO_VERSION).first()
    if version is None:
        version = policy_version_create(
            staff=dpo,
            now=now,
            version=DEMO_VERSION,
            effective_at=now,
            text_en=TEXT_EN,
            text_fr=TEXT_FR,
            summary_en="The first version of the policy.",
            summary_fr="La première version de la politique.",
        )
    else:  # a draft left by an earlier seeding: it takes effect now
        version = policy_version_update(
            staff=dpo, policy_version=version, now=now, effective_at=now
        )
    return policy_version_publish(staff=dpo, policy_version=version, now=now)
