"""Registration and people: follow, roles, districts, family links, settings, rich menus."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers import family_settings, registration, settings
from islandos.cli.registration import invite
from islandos.demo.island import seed_island
from islandos.i18n import N_
from islandos.line import richmenus
from islandos.line.router import Router
from islandos.models.admin import AdminRole
from islandos.registry import AttentionItem, Feature, NavItem
from islandos.services.privacy import registration_disclosure
from islandos.services.registration import pending_request_count
from islandos.web.admin import people


def _routes(router: Router) -> None:
    registration.register(router)
    settings.register(router)
    family_settings.register(router)


def _attention(session: Session, moment: datetime) -> list[AttentionItem]:
    waiting = pending_request_count(session)
    if not waiting:
        return []
    return [AttentionItem(N_("島民登録の申請が%(count)s件、承認を待っています。"), waiting,
                          "people.requests", values={"count": waiting})]


FEATURE = Feature(
    name="registration",
    routes=_routes,
    jobs=richmenus.register_jobs,  # richmenu.link / richmenu.unlink as roles change
    admin_blueprints=(people.bp,),
    nav=(
        NavItem(N_("島民・利用者"), "people.people", order=10),
        NavItem(N_("登録の申請"), "people.requests", order=12),
        NavItem(N_("招待コード"), "people.invite_codes", min_role=AdminRole.ADMIN, order=14),
    ),
    cli=invite,
    demo=seed_island,
    attention=(_attention,),
    audit_labels={
        "person.registered_islander": N_("島民として登録（招待コード）"),
        "person.role_changed": N_("役割を変更"),
        "person.district_changed": N_("集落の変更"),
        "person.language_changed": N_("言語を変更"),
        "person.personal_data_deleted": N_("個人データを削除"),
        "islander_request.created": N_("島民登録を申請"),
        "islander_request.approved": N_("島民登録の申請を承認"),
        "islander_request.refused": N_("島民登録の申請をお断り"),
        "invite_codes.created": N_("招待コードを作成"),
        "invite_code.revoked": N_("招待コードを取り消し"),
        "family.name_chosen": N_("家族への表示名を選択"),
        "person.added_without_line": N_("LINEを使わない住民を登録"),
        "family.linked": N_("家族を登録"),
        "family.unlinked": N_("家族の登録を解除"),
        "family.code_renewed": N_("家族コードを作り直し"),
    },
    disclosures=(registration_disclosure,),
)
