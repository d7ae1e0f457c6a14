"""What one app holds: settings, database, LINE transport, router, inbox and job registry."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from islandos.db import Database
from islandos.line.gateway import LineTransport
from islandos.line.inbox import Inbox
from islandos.line.router import Router
from islandos.scheduler import JobRegistry
from islandos.settings import Settings

KEY = "islandos"


@dataclass
class IslandState:
    settings: Settings
    db: Database
    transport: LineTransport
    router: Router
    inbox: Inbox
    jobs: JobRegistry


def islandos_state(app: Flask) -> IslandState:
    state: IslandState = app.extensions[KEY]
    return state
