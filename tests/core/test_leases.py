"""Leases: work that one process at a time may do (a rich-menu deploy)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from islandos.leases import LeaseHeld, lease
from islandos.models.system import Lease

TTL = timedelta(minutes=15)


def test_of_eight_processes_starting_together_exactly_one_holds_the_lease(db):
    start = threading.Barrier(8)
    winners: list[str] = []
    refused: list[str] = []

    def attempt(n: int) -> None:
        start.wait()
        try:
            with lease(db, "deploy", TTL, holder=f"host:{n}"):
                winners.append(f"host:{n}")
                threading.Event().wait(0.3)  # still holding while the others try
        except LeaseHeld as held:
            refused.append(held.holder)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(winners) == 1
    assert len(refused) == 7 and set(refused) == set(winners)


def test_a_released_lease_can_be_taken_again_and_says_who_holds_it(db):
    with lease(db, "deploy", TTL, holder="first:1"):
        with pytest.raises(LeaseHeld) as held, lease(db, "deploy", TTL, holder="second:2"):
            pass
        assert "first:1" in str(held.value) and "(Tokyo)" in str(held.value)
    with lease(db, "deploy", TTL, holder="second:2"), db.transaction() as session:
        assert session.scalar(select(Lease.holder)) == "second:2"
    with db.transaction() as session:
        assert session.scalars(select(Lease)).all() == []


def test_the_lease_of_a_process_that_died_expires(db, frozen_clock):
    with db.transaction() as session:  # a holder that crashed without releasing
        session.add(Lease(name="deploy", holder="crashed:9", acquired_at=frozen_clock(),
                          expires_at=frozen_clock() + TTL))
    with pytest.raises(LeaseHeld), lease(db, "deploy", TTL, holder="next:1"):
        pass
    frozen_clock(minutes=16)
    with lease(db, "deploy", TTL, holder="next:1"), db.transaction() as session:
        assert session.scalar(select(Lease.holder)) == "next:1"
