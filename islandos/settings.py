"""Settings read once from the environment and checked before the app starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

LINE_API = "https://api.line.me"
LINE_DATA_API = "https://api-data.line.me"
DEV_SECRET = "development-only-not-secret"
# 地理院タイル (Geospatial Information Authority of Japan): free for public services with
# this attribution; OpenStreetMap's own tile servers are not for such use.
GSI_TILES = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
GSI_ATTRIBUTION = '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>'


# Retention periods: (field, environment variable, default days).
RETENTION_SETTINGS = (
    ("retain_webhook_events_days", "RETAIN_WEBHOOK_EVENTS_DAYS", 30),
    ("retain_outbox_recipients_days", "RETAIN_OUTBOX_RECIPIENTS_DAYS", 30),
    ("retain_code_attempts_days", "RETAIN_CODE_ATTEMPTS_DAYS", 1),
    ("retain_closed_requests_days", "RETAIN_CLOSED_REQUESTS_DAYS", 90),
    ("retain_idle_tourists_days", "RETAIN_IDLE_TOURISTS_DAYS", 180),
    ("retain_audit_days", "RETAIN_AUDIT_DAYS", 1827),
)


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    env: str = "production"
    database_url: str = ""
    # PostgreSQL: a statement run this often on a connection is prepared there (None: never,
    # as behind PgBouncer in transaction mode without max_prepared_statements).
    database_prepare_threshold: int | None = 5
    secret_key: str = ""
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base_url: str = LINE_API
    line_data_api_base_url: str = LINE_DATA_API
    public_base_url: str = ""
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base_url: str = ""
    pass_signing_key: str = ""  # PEM of an ECDSA P-256 private key that signs entry passes
    seller_name: str = ""  # 特定商取引法に基づく表記: who collects the entry contribution
    seller_address: str = ""
    seller_phone: str = ""
    proxy_fix_hops: int = 0
    ratelimit_storage_uri: str = "memory://"
    line_timeout_seconds: float = 3.0
    line_reply_timeout_seconds: float = 2.0
    reply_log_delay_seconds: float = 0.5
    webhook_max_bytes: int = 1_000_000
    worker_poll_seconds: float = 1.0
    log_level: str = "INFO"
    island_name: str = "南風島"
    island_name_en: str = "Haenu Island"
    line_add_friend_url: str = ""
    map_tile_url: str = GSI_TILES
    map_tile_attribution: str = GSI_ATTRIBUTION
    map_center: str = "26.2060,127.9850"  # latitude,longitude the map opens on
    map_zoom: int = 15
    map_data_license: str = "CC BY 4.0"
    admin_idle_minutes: float = 30.0
    admin_session_hours: float = 8.0
    warm_up: bool = True  # load at start-up what the first request would load (not in tests)
    # Retention (days), pruned by the worker once a day: see islandos/services/retention.py.
    retain_webhook_events_days: int = 30
    retain_outbox_recipients_days: int = 30
    retain_code_attempts_days: int = 1
    retain_closed_requests_days: int = 90
    retain_idle_tourists_days: int = 180
    retain_audit_days: int = 1827  # five years

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def is_testing(self) -> bool:
        return self.env == "testing"

    def island(self, language: str) -> str:
        return self.island_name_en if language == "en" and self.island_name_en \
            else self.island_name

    @property
    def map_center_point(self) -> tuple[float, float]:
        latitude, longitude = (float(part) for part in self.map_center.split(","))
        return latitude, longitude

    @property
    def stripe_enabled(self) -> bool:
        return bool(self.stripe_secret_key and self.stripe_webhook_secret)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Settings:
        """Read the environment, apply overrides (tests), fill development defaults, check."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {
            "env": env.get("ISLANDOS_ENV", "production").strip().lower(),
            "database_url": env.get("DATABASE_URL", ""),
            "database_prepare_threshold": _threshold(env, "DATABASE_PREPARE_THRESHOLD", 5),
            "secret_key": env.get("SECRET_KEY", ""),
            "line_channel_secret": env.get("LINE_CHANNEL_SECRET", ""),
            "line_channel_access_token": env.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
            "line_api_base_url": env.get("LINE_API_BASE_URL", LINE_API),
            "line_data_api_base_url": env.get("LINE_DATA_API_BASE_URL", LINE_DATA_API),
            "public_base_url": env.get("PUBLIC_BASE_URL", ""),
            "stripe_secret_key": env.get("STRIPE_SECRET_KEY", ""),
            "stripe_webhook_secret": env.get("STRIPE_WEBHOOK_SECRET", ""),
            "stripe_api_base_url": env.get("STRIPE_API_BASE_URL", ""),
            "pass_signing_key": env.get("PASS_SIGNING_KEY", "").replace("\\n", "\n"),
            "seller_name": env.get("FEE_SELLER_NAME", ""),
            "seller_address": env.get("FEE_SELLER_ADDRESS", ""),
            "seller_phone": env.get("FEE_SELLER_PHONE", ""),
            "proxy_fix_hops": _int(env, "PROXY_FIX_HOPS", 0),
            "ratelimit_storage_uri": env.get("RATELIMIT_STORAGE_URI", "memory://"),
            "log_level": env.get("LOG_LEVEL", "INFO").upper(),
            "island_name": env.get("ISLAND_NAME", "南風島"),
            "island_name_en": env.get("ISLAND_NAME_EN", "Haenu Island"),
            "line_add_friend_url": env.get("LINE_ADD_FRIEND_URL", ""),
            "map_tile_url": env.get("MAP_TILE_URL", "").strip() or GSI_TILES,
            "map_tile_attribution": env.get("MAP_TILE_ATTRIBUTION", GSI_ATTRIBUTION),
            "map_center": env.get("MAP_CENTER", "26.2060,127.9850"),
            "map_zoom": _int(env, "MAP_ZOOM", 15),
            "map_data_license": env.get("MAP_DATA_LICENSE", "CC BY 4.0"),
            "admin_idle_minutes": _positive(env, "ADMIN_IDLE_MINUTES", 30.0),
            "admin_session_hours": _positive(env, "ADMIN_SESSION_HOURS", 8.0),
            "warm_up": env.get("ISLANDOS_WARM_UP", "1").strip().lower() not in ("0", "false", "no"),
            **{field: _days(env, name, default) for field, name, default in RETENTION_SETTINGS},
        }
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides or {}) - known)
        if unknown:
            raise SettingsError("Unknown setting(s): " + ", ".join(map(_with_hint, unknown))
                                + ". See the README's configuration table.")
        values.update(overrides or {})
        return cls(**values)._with_defaults()._checked()

    def _with_defaults(self) -> Settings:
        if not self.database_url:
            url = f"sqlite:///{INSTANCE_DIR / 'islandos.sqlite3'}"
        elif self.database_url.startswith("postgres://"):
            url = "postgresql+psycopg://" + self.database_url.removeprefix("postgres://")
        elif self.database_url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + self.database_url.removeprefix("postgresql://")
        else:
            url = self.database_url
        updated = replace(self, database_url=url)
        if self.env in ("development", "testing"):
            updated = replace(
                updated,
                secret_key=self.secret_key or DEV_SECRET,
                line_channel_secret=self.line_channel_secret or DEV_SECRET,
                line_channel_access_token=self.line_channel_access_token or DEV_SECRET,
                public_base_url=self.public_base_url or "http://127.0.0.1:5000",
            )
        return replace(updated, public_base_url=updated.public_base_url.rstrip("/"))

    def _checked(self) -> Settings:
        if self.env not in ("production", "development", "testing"):
            raise SettingsError(
                f"ISLANDOS_ENV must be production, development or testing, not {self.env!r}"
            )
        _check_tile_url(self.map_tile_url, https=self.env == "production")
        try:
            latitude, longitude = self.map_center_point
        except ValueError as exc:
            raise SettingsError("MAP_CENTER must be 'latitude,longitude', e.g. "
                                f"26.2060,127.9850, not {self.map_center!r}") from exc
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise SettingsError(f"MAP_CENTER is out of range: {self.map_center!r}")
        if self.env != "production":
            return self
        required = {
            "SECRET_KEY": self.secret_key,
            "LINE_CHANNEL_SECRET": self.line_channel_secret,
            "LINE_CHANNEL_ACCESS_TOKEN": self.line_channel_access_token,
            "PUBLIC_BASE_URL": self.public_base_url,
        }
        missing = [name for name, value in required.items() if not value]
        if missing:
            raise SettingsError(
                "Missing required setting(s): " + ", ".join(missing)
                + ". Set them in the environment (see the README's configuration table)."
            )
        if len(self.secret_key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long.")
        if not self.public_base_url.startswith("https://"):
            raise SettingsError("PUBLIC_BASE_URL must start with https:// in production.")
        if self.stripe_enabled and not self.pass_signing_key:
            raise SettingsError("PASS_SIGNING_KEY (an ECDSA P-256 private key, PEM) is required "
                                "when Stripe is set up: it signs the entry passes.")
        return self


def _check_tile_url(url: str, *, https: bool) -> None:
    parts = urlsplit(url)
    schemes = ("https",) if https else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname \
            or not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise SettingsError(
            f"MAP_TILE_URL must be an {' or '.join(schemes)} URL template with {{z}}, {{x}} and "
            f"{{y}}, like {GSI_TILES}, not {url!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc


def _threshold(env: Mapping[str, str], name: str, default: int) -> int | None:
    """A whole number of 0 or more, or `off` for never."""
    raw = env.get(name, "").strip().lower()
    if raw in ("off", "none", "never"):
        return None
    value = _int(env, name, default)
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, or off, not {raw!r}")
    return value


def _with_hint(name: str) -> str:
    """An unknown setting's name, with the known one it was probably meant to be."""
    close = get_close_matches(name, [f.name for f in fields(Settings)], n=1)
    return f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name)


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name} must be a number greater than 0, not {raw!r}")
    return value


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    """A retention period in whole days (at least 1)."""
    value = _int(env, name, default)
    if value < 1:
        raise SettingsError(f"{name} must be a whole number of days, at least 1, not {value}")
    return value
