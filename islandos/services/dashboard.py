"""The office's overview on the dashboard home: people by role, requests, how sending goes,
and what needs attention first (the shell's own items; features add theirs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.clock import as_utc, now
from islandos.i18n import N_
from islandos.line.worker import active_pause
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.system import WorkerHeartbeat
from islandos.registry import AttentionItem
from islandos.services.registration import count_by_role, pending_request_count

FAILED_WINDOW = timedelta(days=7)
QUOTA_WARNING = 0.8  # the month's messages used, from which the home warns
PAUSE_REASONS = {
    "monthly_limit": N_("今月のメッセージ数の上限に達しました。"),
    "unauthorized": N_("LINEのアクセストークンが受け付けられません。設定を確認してください。"),
}


@dataclass(frozen=True)
class Overview:
    by_role: dict[str, int]  # people who follow the account, per role
    requests_waiting: int  # islander requests the office has not decided
    waiting: int  # outbox messages not sent yet
    failed: int  # outbox messages that failed for good
    worker_age: int | None  # seconds since a worker last said it was alive; None: never


def overview(session: Session) -> Overview:
    """The dashboard's counts, as of now (reads only)."""
    waiting, failed = session.execute(select(
        func.count().filter(OutboxMessage.status.in_(
            (OutboxStatus.PENDING, OutboxStatus.SENDING))),
        func.count().filter(OutboxMessage.status == OutboxStatus.FAILED),
    )).one()
    heartbeat = session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    return Overview(
        by_role=count_by_role(session),
        requests_waiting=pending_request_count(session),
        waiting=int(waiting or 0), failed=int(failed or 0),
        worker_age=int((now() - as_utc(heartbeat)).total_seconds()) if heartbeat else None,
    )


def sending_attention(session: Session, moment: datetime) -> list[AttentionItem]:
    """A pause in sending, and deliveries LINE refused for good in the last FAILED_WINDOW."""
    items = []
    pause = active_pause(session)
    if pause is not None:
        reason = PAUSE_REASONS.get(pause.reason, N_("LINEへの送信を一時停止しています。"))
        items.append(AttentionItem(
            N_("LINEへの送信を一時停止しています：%(reason)s"), 1, "admin.home",
            values={"reason": reason}, args={"_anchor": "sending"}, level="danger"))
    messages, people = session.execute(
        select(func.count(), func.coalesce(func.sum(OutboxMessage.recipient_count), 0))
        .where(OutboxMessage.status == OutboxStatus.FAILED,
               OutboxMessage.created_at >= moment - FAILED_WINDOW)).one()
    if messages:
        items.append(AttentionItem(
            N_("この7日間に、%(people)s人あての送信%(count)s件が届きませんでした。"),
            int(messages), "admin.home", values={"people": int(people), "count": int(messages)},
            args={"_anchor": "sending"}, level="danger"))
    return items


@dataclass(frozen=True)
class Quota:
    """This month's messages as LINE counts them; limit None: no monthly limit."""

    used: int
    limit: int | None
    error: str | None = None

    @property
    def share(self) -> float | None:
        return None if not self.limit else min(self.used / self.limit, 1.0)

    @property
    def warning(self) -> bool:
        return self.share is not None and self.share >= QUOTA_WARNING


def quota_of(figures: dict[str, Any] | None, error: str | None = None) -> Quota:
    """LINE's quota figures (transport.quota()) as the home shows them."""
    figures = figures or {}
    limit = figures.get("limit") if figures.get("type") == "limited" else None
    return Quota(int(figures.get("used") or 0), int(limit) if limit is not None else None, error)


def quota_attention(quota: Quota) -> list[AttentionItem]:
    if not quota.warning or quota.limit is None:
        return []
    return [AttentionItem(
        N_("今月のメッセージ数が上限の%(percent)s%%に達しています（%(used)s / %(limit)s通）。"),
        quota.used, "admin.home", args={"_anchor": "sending"},
        values={"percent": round(100 * (quota.share or 0)), "used": quota.used,
                "limit": quota.limit},
        level="danger" if quota.used >= quota.limit else "warn")]
