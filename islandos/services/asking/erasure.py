"""「データを削除」 for the core: unlink a person from whom was asked and what was answered,
keeping every count (the rows stay, per district, without the person)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from islandos.models.asking import Answer, AskRecipient
from islandos.models.people import Person


def forget_person(session: Session, person_id: int) -> None:
    """Drop the links from recipients and proxy answers to this person (no flush needed).

    Their answers stay with their recipient row, which keeps the district at the time:
    tallies do not change. Anonymous answers never had a link."""
    session.execute(update(AskRecipient).where(AskRecipient.person_id == person_id)
                    .values(person_id=None).execution_options(synchronize_session=False))
    session.execute(update(Answer).where(Answer.proxy_person_id == person_id)
                    .values(proxy_person_id=None).execution_options(synchronize_session=False))


def erase_asking_data(session: Session, person: Person) -> None:
    """A personal-data eraser (islandos.registry.PersonalDataEraser): every feature built on
    the core lists it (running it twice changes nothing)."""
    forget_person(session, person.id)
