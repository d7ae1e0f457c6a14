"""The island office's tools in LINE: help, and linking an admin's own LINE account."""

from __future__ import annotations

from handlers import admin_link, help
from islandos.cli.admin import group as admin_cli
from islandos.demo.admin import seed_demo_admin
from islandos.line.router import Router
from islandos.registry import Feature


def _routes(router: Router) -> None:
    help.register(router)
    admin_link.register(router)


FEATURE = Feature(
    name="office",
    routes=_routes,
    cli=admin_cli,
    demo=seed_demo_admin,
)
