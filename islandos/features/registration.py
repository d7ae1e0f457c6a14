"""Registration and people: follow, roles, districts, family links, settings, rich menus."""

from __future__ import annotations

from handlers import family_settings, registration, settings
from islandos.cli.registration import invite
from islandos.demo.island import seed_island
from islandos.i18n import N_
from islandos.line import richmenus
from islandos.line.router import Router
from islandos.models.admin import AdminRole
from islandos.registry import Feature, NavItem
from islandos.services.privacy import registration_disclosure
from islandos.web.admin import people


def _routes(router: Router) -> None:
    registration.register(router)
    settings.register(router)
    family_settings.register(router)


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
    disclosures=(registration_disclosure,),
)
