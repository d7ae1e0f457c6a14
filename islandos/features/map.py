"""The tourist map (観光マップ): spots, closures, island rules, in LINE and on the web."""

from __future__ import annotations

from handlers import map as map_handlers
from islandos.demo.map import seed_map
from islandos.i18n import N_
from islandos.registry import Feature
from islandos.services.map.guide import erase_map_data

FEATURE = Feature(
    name="map",
    routes=map_handlers.register,
    erasers=(erase_map_data,),
    demo=seed_map,
    offers=(N_("観光マップ"),),
)
