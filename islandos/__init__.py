"""IslandOS: the island's notices, events, map and entry fees through one LINE account."""

from islandos.app import create_app

__all__ = ["create_app"]
