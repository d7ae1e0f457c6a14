"""Our router: one handler a route, words in either language, patterns, postbacks, dialogues."""

from __future__ import annotations

import pytest

from islandos.clock import now
from islandos.line import messages
from islandos.line.events import LineEvent, postback_data
from islandos.line.router import UNKNOWN_POSTBACK, Context, RouteConflict, Router
from islandos.models.people import Person
from islandos.registry import Registry
from islandos.settings import Settings
from tests.support.webhook import location_event, postback_event, text_event

USER = "U" + "1" * 32


def reply_with(label: str):
    def handler(context: Context):
        return [messages.text(label)]
    handler.__qualname__ = label
    return handler


def answer(router: Router, raw: dict, person: Person | None = None) -> str | None:
    context = Context(work=None, event=LineEvent.from_json(raw), person=person,  # type: ignore[arg-type]
                      settings=Settings(env="testing"), now=now(),
                      registry=Registry((), router=router))
    sent = router.dispatch(context)
    return sent[0]["text"] if sent else None


@pytest.fixture
def router() -> Router:
    r = Router()
    r.text("マップ", "map")(reply_with("map"))
    r.pattern(r"(?:invite|招待)\s*(\d{6})")(reply_with("code"))
    r.postback("rsvp")(reply_with("rsvp"))
    r.location()(reply_with("location"))
    r.dialog("awaiting_name")(reply_with("name"))
    r.fallback()(reply_with("help"))
    return r


def test_exact_words_in_japanese_english_and_full_width(router):
    assert answer(router, text_event(USER, "マップ")) == "map"
    assert answer(router, text_event(USER, " MAP ")) == "map"
    assert answer(router, text_event(USER, "ｍａｐ")) == "map"


def test_patterns_and_unknown_text(router):
    assert answer(router, text_event(USER, "招待 123456")) == "code"
    assert answer(router, text_event(USER, "今日の天気")) == "help"


def test_postbacks_are_routed_by_action(router):
    assert answer(router, postback_event(USER, postback_data("rsvp", event=1))) == "rsvp"
    # A button nobody handles (an old message, or forged) gets a short polite answer.
    assert answer(router, postback_event(USER, "action=unknown")) == UNKNOWN_POSTBACK


def test_location_messages(router):
    assert answer(router, location_event(USER, 26.16, 127.9)) == "location"


def test_free_text_goes_to_the_dialogue_the_person_is_in(router):
    person = Person(line_user_id=USER, dialog_state="awaiting_name", language="ja")
    assert answer(router, text_event(USER, "島 太郎"), person) == "name"
    assert answer(router, text_event(USER, "map"), person) == "map"


def test_a_second_handler_for_the_same_route_is_refused(router):
    with pytest.raises(RouteConflict):
        router.text("MAP")(reply_with("other"))
    with pytest.raises(RouteConflict):
        router.postback("rsvp")(reply_with("other"))


def test_the_app_registers_every_handler_module_without_conflicts(app):
    from islandos.extensions import islandos_state
    router = islandos_state(app).router
    assert router.resolve(LineEvent.from_json(text_event(USER, "?")), None)[0] is not None
