"""Junk in X-Line-Signature is a wrong signature: 400, nothing stored, never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import CHANNEL_SECRET
from tests.support.faults import replies_per_token, stored_events
from tests.support.webhook import body_of, follow_event, line_user_id, sign

USER = line_user_id(1)


@pytest.mark.parametrize("signature", [
    "署名",  # non-ASCII text
    "\u00e7\u00bd\u00b2\u00e5\u0090\u008d",  # the same as a server hands UTF-8 bytes over (latin-1)
    "\x00\x01\x7f",
    "!!!!not-base64!!!!",
    "=" * 44,
    "A" * 10_000,
    "sha256=",
])
def test_junk_signatures_get_400_and_store_nothing(line, db, fake_line, signature):
    event = follow_event(USER, line.reply_token())
    response = line.post(event, signature=signature)
    assert response.status_code == 400
    assert b"Invalid signature" in response.data
    assert stored_events(db) == []
    assert replies_per_token(fake_line) == {}


def test_a_valid_signature_with_junk_appended_is_refused(line, db):
    event = follow_event(USER, line.reply_token())
    good = sign(CHANNEL_SECRET, body_of(event))
    assert line.post(event, signature=good + "署").status_code == 400
    assert line.post(event, signature=good[:-2]).status_code == 400
    assert stored_events(db) == []


def test_the_valid_signature_with_surrounding_spaces_is_still_accepted(line, db):
    event = follow_event(USER, line.reply_token())
    good = sign(CHANNEL_SECRET, body_of(event))
    assert line.post(event, signature=f" {good} ").status_code == 200
    assert len(stored_events(db)) == 1
