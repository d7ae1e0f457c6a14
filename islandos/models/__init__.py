"""Every model, imported so that Base.metadata knows all tables."""

from islandos.models.admin import AdminLineLinkCode, AdminSession, AdminUser
from islandos.models.asking import AnonymousAnswer, Answer, Ask, AskRecipient
from islandos.models.audit import AuditEntry
from islandos.models.disaster import DisasterMode, SafetyEvent, SafetyLocation
from islandos.models.events import Event
from islandos.models.fees import (
    FeeCategory,
    FeeCheckIn,
    FeePass,
    FeePayment,
    FeePaymentLine,
    FeeRefund,
    StripeEvent,
)
from islandos.models.fees_staff import FerryCount
from islandos.models.jobs import Job, JobStatus
from islandos.models.map import Closure, RulesSeen, Spot, SpotPhoto, SpotText
from islandos.models.notices import Notice, NoticeImage
from islandos.models.outbox import OutboxMessage, OutboxStatus, Priority
from islandos.models.people import District, FamilyLink, Person, Role, Status
from islandos.models.polls import Poll
from islandos.models.recordings import RecordedMessage
from islandos.models.registration import (
    CodeAttempt,
    FamilyCode,
    InviteCode,
    IslanderRequest,
    RequestStatus,
    RichMenuDeployment,
)
from islandos.models.system import Lease, SendingPause, WorkerHeartbeat
from islandos.models.webhook_events import ReplyState, WebhookEvent

__all__ = [
    "AdminLineLinkCode",
    "AdminSession",
    "AdminUser",
    "AnonymousAnswer",
    "Answer",
    "Ask",
    "AskRecipient",
    "AuditEntry",
    "Closure",
    "CodeAttempt",
    "DisasterMode",
    "District",
    "Event",
    "FamilyCode",
    "FamilyLink",
    "FeeCategory",
    "FeeCheckIn",
    "FeePass",
    "FeePayment",
    "FeePaymentLine",
    "FeeRefund",
    "FerryCount",
    "InviteCode",
    "IslanderRequest",
    "Job",
    "JobStatus",
    "Lease",
    "Notice",
    "NoticeImage",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "Poll",
    "Priority",
    "RecordedMessage",
    "ReplyState",
    "RequestStatus",
    "RichMenuDeployment",
    "Role",
    "RulesSeen",
    "SafetyEvent",
    "SafetyLocation",
    "SendingPause",
    "Spot",
    "SpotPhoto",
    "SpotText",
    "Status",
    "StripeEvent",
    "WebhookEvent",
    "WorkerHeartbeat",
]
