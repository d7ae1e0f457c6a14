"""What the bot does with each LINE event, one module per feature."""

from __future__ import annotations

import importlib
import pkgutil

from islandos.line.router import Router


def register_all(router: Router) -> Router:
    """Let every handler module claim its routes; a route claimed twice is an error."""
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(router)
    return router
