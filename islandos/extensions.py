"""What one app holds: settings, database, LINE transport, its features' registries, inbox."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from islandos.db import Database
from islandos.line.gateway import LineTransport
from islandos.line.inbox import Inbox
from islandos.line.router import Router
from islandos.registry import Registry
from islandos.scheduler import JobRegistry
from islandos.settings import Settings

KEY = "islandos"


@dataclass
class IslandState:
    settings: Settings
    db: Database
    transport: LineTransport
    registry: Registry
    inbox: Inbox

    @property
    def router(self) -> Router:
        return self.registry.router

    @property
    def jobs(self) -> JobRegistry:
        return self.registry.jobs


def islandos_state(app: Flask) -> IslandState:
    state: IslandState = app.extensions[KEY]
    return state
