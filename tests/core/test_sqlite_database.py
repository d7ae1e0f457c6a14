"""A SQLite file shared by several processes: the log is copied into the database outside
the write lock, so no webhook worker waits out a checkpoint."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from islandos.db import CHECKPOINT_EVERY_WRITES, Database

metadata = MetaData()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", String))


def test_the_log_is_checkpointed_after_a_number_of_writes_not_inside_a_commit(tmp_path: Path):
    path = tmp_path / "island.sqlite3"
    database = Database(f"sqlite:///{path}")
    metadata.create_all(database.engine)
    database.checkpoint()
    size_before = path.stat().st_size

    for n in range(CHECKPOINT_EVERY_WRITES - 1):
        with database.transaction() as session:
            session.execute(insert(notes).values(body="x" * 2000 + str(n)))
    assert path.stat().st_size == size_before  # everything is still in the log only

    with database.transaction() as session:
        session.execute(insert(notes).values(body="last"))
    database.wait_for_checkpoint()  # it runs beside the request, not in it
    assert path.stat().st_size > size_before + (CHECKPOINT_EVERY_WRITES - 1) * 2000

    with database.transaction() as session:
        assert len(session.scalars(select(notes.c.id)).all()) == CHECKPOINT_EVERY_WRITES
    database.dispose()
