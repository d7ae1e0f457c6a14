"""The login throttle counts in the storage the deployment names (Redis with several processes)."""

from __future__ import annotations

from islandos import create_app
from islandos.web.admin import THROTTLE_KEY
from tests.conftest import app_overrides


def test_the_throttle_uses_redis_when_told(database_url, fake_line):
    app = create_app(app_overrides(database_url, fake_line,
                                   ratelimit_storage_uri="redis://127.0.0.1:6379/15"))
    throttle = app.extensions[THROTTLE_KEY]
    assert type(throttle.storage).__name__ == "RedisStorage"
