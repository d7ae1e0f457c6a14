"""`islandos notice send`: notices from scripts and cron."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from islandos.clock import TOKYO
from islandos.extensions import islandos_state
from islandos.i18n import gettext
from islandos.models.notices import AudienceKind, NoticePriority, NoticeStatus
from islandos.services.notices.drafts import NoticeError, NoticeInput, resolve_districts
from islandos.services.notices.sending import create_and_submit

SIMPLE_AUDIENCES = (AudienceKind.EVERYONE, AudienceKind.ISLANDERS, AudienceKind.TOURISTS,
                    AudienceKind.FAMILY)


@click.group("notice")
def group() -> None:
    """Notices (お知らせ)."""


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO time: {value!r} (e.g. 2026-12-01T07:00)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)  # Japan time by default


@group.command("send")
@click.option("--audience", required=True,
              help="everyone | islanders | tourists | family | district:NAME[,NAME...]")
@click.option("--title", required=True)
@click.option("--body", required=True)
@click.option("--title-en", default=None)
@click.option("--body-en", default=None)
@click.option("--priority", type=click.Choice([priority.value for priority in NoticePriority]),
              default=NoticePriority.NORMAL.value)
@click.option("--at", "at", default=None, help="send at this ISO time (Japan time if no offset)")
@click.option("--not-after", default=None, help="do not send after this ISO time")
@click.option("--tourist-days", type=int, default=None,
              help="tourists registered in the last N days (default 7)")
@with_appcontext
def send(audience: str, title: str, body: str, title_en: str | None, body_en: str | None,
         priority: str, at: str | None, not_after: str | None, tourist_days: int | None) -> None:
    """Send a notice now, or schedule it with --at."""
    state = islandos_state(current_app)
    try:
        with state.db.transaction() as session:
            if audience.startswith("district:"):
                names = [n.strip() for n in audience.removeprefix("district:").split(",")
                         if n.strip()]
                kind, district_ids = AudienceKind.DISTRICTS, resolve_districts(session, names)
            elif audience in SIMPLE_AUDIENCES:
                kind, district_ids = AudienceKind(audience), ()
            else:
                raise click.BadParameter(f"unknown audience {audience!r}", param_hint="--audience")
            data = NoticeInput(title=title, body_ja=body, title_en=title_en, body_en=body_en,
                               audience_kind=kind, district_ids=district_ids,
                               tourist_days=tourist_days, priority=priority,
                               send_at=_parse_time(at), not_after=_parse_time(not_after))
            notice = create_and_submit(session, data, "cli", state.settings.public_base_url)
            notice_id, status, count = notice.id, notice.status, notice.recipient_count
    except NoticeError as exc:
        errors = getattr(exc, "errors", {exc.field or "notice": exc.msgid})
        for field, msgid in errors.items():
            click.echo(f"error: {field}: {gettext('en', msgid)}", err=True)
        raise SystemExit(1) from exc
    if status == NoticeStatus.SCHEDULED:
        click.echo(f"notice {notice_id} scheduled")
    else:
        click.echo(f"notice {notice_id} sent to {count} people (the worker delivers it)")
