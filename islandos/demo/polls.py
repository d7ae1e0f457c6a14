"""A demo poll for 南風島: open for a week, sent to the islanders, with about half of them
answered, so the results page and the simulator show the flow at once.

Sent through the real service, its outbox batches then marked as accepted by LINE (the demo
sends nothing). Idempotent: keyed by its question and the "demo" author."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from islandos.clock import TOKYO, now
from islandos.models.asking import AskMode, AskRecipient, AudienceKind
from islandos.models.outbox import OutboxMessage, OutboxStatus
from islandos.models.polls import Poll
from islandos.services.polls import answering
from islandos.services.polls.creating import PollInput, create_and_send, poll_ask

DEMO_ACTOR = "demo"
QUESTION = "今年の敬老会は、どの会場がよいですか。"
DEMO_POLL = PollInput(
    question_ja=QUESTION, question_en="Where should this year's Respect-for-the-Aged party be?",
    options_ja=("公民館", "小学校の体育館", "港の広場"),
    options_en=("Community hall", "School gym", "Harbour square"),
    closes_at=None, mode=AskMode.SINGLE, audience_kind=AudienceKind.ISLANDERS)
LEFT_FOR_THE_SIMULATOR = 3  # the first islanders have not answered: try it as them


def seed_polls(session: Session) -> list[str]:
    """Add the demo poll unless it is there (flushes); returns a line to print."""
    found = session.scalar(select(Poll).where(Poll.question_ja == QUESTION,
                                              Poll.created_by == DEMO_ACTOR))
    if found is not None:
        return ["demo poll: in place"]
    moment = now()
    local = (moment + timedelta(days=7)).astimezone(TOKYO)
    closes_at = local.replace(hour=18, minute=0, second=0, microsecond=0)
    poll = create_and_send(session, PollInput(**{**DEMO_POLL.__dict__, "closes_at": closes_at}),
                           DEMO_ACTOR)
    session.execute(
        update(OutboxMessage).where(OutboxMessage.source == f"poll:{poll.id}")
        .values(status=OutboxStatus.ACCEPTED, attempts=1, first_attempt_at=moment,
                accepted_at=moment)
        .execution_options(synchronize_session=False))
    ask = poll_ask(session, poll.id)
    assert ask is not None
    people = session.scalars(select(AskRecipient.person_id).where(AskRecipient.ask_id == ask.id)
                             .order_by(AskRecipient.id)).all()
    answered = 0
    for n, person_id in enumerate(people):
        if n < LEFT_FOR_THE_SIMULATOR or n % 4 == 3 or person_id is None:
            continue
        answering.answer(session, poll.id, person_id, 1 << (n * 7 % 3 if n % 5 else 0), moment)
        answered += 1
    session.flush()
    return [f"demo poll: open until {closes_at:%Y-%m-%d %H:%M} JST, {answered} of "
            f"{len(people)} islanders answered (nothing is sent to LINE)"]
