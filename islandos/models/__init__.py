"""Every model, imported so that Base.metadata knows all tables."""

from islandos.models.audit import AuditEntry
from islandos.models.jobs import Job, JobStatus
from islandos.models.outbox import OutboxMessage, OutboxStatus, Priority
from islandos.models.people import District, FamilyLink, Person, Role, Status
from islandos.models.recordings import RecordedMessage
from islandos.models.system import SendingPause, WorkerHeartbeat
from islandos.models.webhook_events import ReplyState, WebhookEvent

__all__ = [
    "AuditEntry",
    "District",
    "FamilyLink",
    "Job",
    "JobStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "Priority",
    "RecordedMessage",
    "ReplyState",
    "Role",
    "SendingPause",
    "Status",
    "WebhookEvent",
    "WorkerHeartbeat",
]
