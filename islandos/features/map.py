"""The tourist map (観光マップ): spots, closures, island rules, in LINE and on the web."""

from __future__ import annotations

from handlers import map as map_handlers
from islandos.demo.map import seed_map
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.people import Role
from islandos.registry import Feature, HomeLink, NavItem, Offer
from islandos.services.map.guide import closure_banner, erase_map_data, map_disclosure
from islandos.web import map as map_pages
from islandos.web.admin import map as map_admin

FEATURE = Feature(
    name="map",
    routes=map_handlers.register,
    erasers=(erase_map_data,),
    blueprints=(map_pages.bp,),
    admin_blueprints=(map_admin.bp,),
    nav=(NavItem(N_("地図"), "map_admin.spots", min_role=AdminRole.VIEWER, order=40),),
    demo=seed_map,
    home_links=(
        HomeLink(N_("島の地図"), "map.map_page",
                 N_("見どころ・トイレ・港・避難所と、入ってはいけない場所。"), order=10),
        HomeLink(N_("島のルール"), "map.rules",
                 N_("島を訪れる方に守っていただきたいこと。"), order=20),
    ),
    banners=(closure_banner,),
    offers=(Offer(N_("観光マップ"), roles=frozenset({Role.TOURIST, Role.UNKNOWN})),),
    audit_labels={
        "spot.created": N_("地図の場所を追加"),
        "spot.changed": N_("地図の場所を変更"),
        "spot.deleted": N_("地図の場所を削除"),
        "spot.photo_changed": N_("地図の場所の写真を変更"),
        "closure.created": N_("立ち入り制限を追加"),
        "closure.deleted": N_("立ち入り制限を削除"),
    },
    disclosures=(map_disclosure,),
)
