"""Several workers on one database never send the same batch twice."""

from __future__ import annotations

import threading
from collections import Counter

from islandos.line import messages
from islandos.line.outbox import enqueue_multicast, enqueue_push
from islandos.line.worker import Worker
from tests.support.webhook import line_user_id


def test_four_workers_share_the_outbox_and_send_each_batch_once(state, db, fake_line):
    fake_line.quota_limit = None
    with db.transaction() as session:
        enqueue_multicast(session, (line_user_id(i) for i in range(1, 20_001)),
                          [messages.text("台風が近づいています")])
        for i in range(30):
            enqueue_push(session, line_user_id(i + 1), [messages.text(f"{i}")])
    workers = [Worker(state.db, state.transport, state.jobs, worker_id=f"w{i}", batch=3)
               for i in range(4)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = [r for r in fake_line.requests if r.status == 200]
    keys = Counter(r.headers["x-line-retry-key"] for r in sent)
    assert len(sent) == 40 + 30
    assert max(keys.values()) == 1
    recipients = Counter(u for r in sent if r.path.endswith("multicast") for u in r.json["to"])
    assert len(recipients) == 20_000 and max(recipients.values()) == 1
