"""Events (行事): invite an audience, answer 参加/不参加/未定 with a head-count in LINE,
waitlist, reminders, live tallies, CSV and the sign-in sheet."""

from __future__ import annotations

from handlers import events as event_handlers
from islandos.demo.events import seed_events
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.people import Role
from islandos.registry import Feature, NavItem, Offer
from islandos.scheduler import JobRegistry
from islandos.services.asking.erasure import erase_asking_data
from islandos.services.events import reminders
from islandos.services.events.disclosure import event_disclosure
from islandos.web.admin import events as event_admin


def _jobs(registry: JobRegistry) -> None:
    registry.add(reminders.REMIND_JOB, reminders.job_remind)


FEATURE = Feature(
    name="events",
    routes=event_handlers.register,
    jobs=_jobs,
    erasers=(erase_asking_data,),
    admin_blueprints=(event_admin.bp,),
    nav=(NavItem(N_("行事"), "events.events", min_role=AdminRole.VIEWER, order=25),),
    person_panels=(event_admin.attended_events,),
    disclosures=(event_disclosure,),
    demo=seed_events,
    offers=(Offer(N_("行事"), roles=frozenset({Role.ISLANDER, Role.FAMILY}),
                  erases=N_("行事への回答"), order=20),),
    audit_labels={
        "event.created": N_("行事を作成して案内を送信"),
        "event.updated": N_("行事の日時・場所などを変更"),
        "event.cancelled": N_("行事を中止"),
        "event.postponed": N_("行事を延期"),
        "event.reminded": N_("行事のリマインドを送信"),
    },
)
