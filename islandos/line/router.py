"""Our LINE router: which handler answers which event (one per route, conflicts refused)."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from islandos.db_work import Work
from islandos.i18n import N_, Translator, translator
from islandos.line import messages
from islandos.line.events import LineEvent, postback_data
from islandos.line.messages import Message
from islandos.line.messages import text as text_message
from islandos.models.people import Person, Role
from islandos.senders import Sender
from islandos.settings import Settings

if TYPE_CHECKING:
    from islandos.registry import Registry

log = logging.getLogger(__name__)

UNKNOWN_POSTBACK = N_("このボタンは今は使えません。「ヘルプ」と送ると、できることが分かります。")


class Context:
    """What a handler gets: the event, the person who sent it, a session and their language.

    `person` (the ORM object) is loaded the first time a handler asks for it: most answers
    (help, menus) need only the sender's role and language, which `sender` already has.
    """

    def __init__(self, *, work: Work, event: LineEvent, settings: Settings, now: datetime,
                 registry: Registry, sender: Sender | None = None,
                 person: Person | None = None) -> None:
        self.work = work
        self.event = event
        self.settings = settings
        self.now = now
        self.registry = registry  # the app's features: routes, erasers, what the bot offers
        self.router = registry.router
        self.sender = sender if sender is not None or person is None else Sender.of(person)
        self._person = person
        self.match: re.Match[str] | None = None
        self.actor = f"line:person:{self.sender.person_id}" if self.sender else "line"
        # Set by a handler whose reply must never become an outbox push if LINE refuses it
        # (an anonymous poll's selection: a push row would tie it to the person).
        self.reply_only = False

    @property
    def session(self) -> Session:
        """The ORM session of the event's transaction (made the first time it is asked for)."""
        return self.work.session

    @property
    def person(self) -> Person | None:
        if self._person is None and self.sender is not None:
            self._person = self.session.get(Person, self.sender.person_id)
        return self._person

    def require_person(self) -> Person:
        """The sender's person, for handlers that only run in one-to-one chats (not groups)."""
        person = self.person
        assert person is not None, "this handler runs in one-to-one chats"
        return person

    @property
    def role(self) -> str:
        if self._person is not None:
            return self._person.role
        return self.sender.role if self.sender else Role.UNKNOWN

    @property
    def language(self) -> str:
        if self._person is not None:
            return self._person.language
        return self.sender.language if self.sender else "ja"

    @property
    def translator(self) -> Translator:
        return translator(self.language)

    def _(self, msgid: str, **values: Any) -> str:
        return self.translator.gettext(msgid, **values)

    def button(self, label: str, action: str, **values: str | int) -> dict[str, Any]:
        """A postback button labelled in the sender's language (`label` is a msgid) that
        sends `action` with `values` back, and shows the label in the chat when tapped."""
        text = self._(label)
        return messages.postback_action(text, postback_data(action, **values), text)


Handler = Callable[[Context], Sequence[Message] | None]


class RouteConflict(RuntimeError):
    """Two handlers claimed the same route; the second would silently win otherwise."""


@dataclass(frozen=True)
class HelpItem:
    """A quick-reply shortcut the help offers, for the roles that may use it."""

    label: str  # msgid, translated for each person
    text: str  # msgid of the words the button sends
    roles: frozenset[str]
    order: int


def normalize_text(value: str) -> str:
    """Match words the way people type them: full-width, case and surrounding spaces ignored."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


class Router:
    def __init__(self) -> None:
        self._singles: dict[str, Handler] = {}
        self._texts: dict[str, Handler] = {}
        self._patterns: list[tuple[re.Pattern[str], Handler]] = []
        self._postbacks: dict[str, Handler] = {}
        self._messages: dict[str, Handler] = {}
        self._states: dict[str, Handler] = {}
        self._location_states: dict[str, Handler] = {}
        self.help_items: list[HelpItem] = []

    # Registration ----------------------------------------------------------

    def _claim(self, table: dict[str, Handler], key: str, handler: Handler, what: str) -> None:
        if key in table and table[key] is not handler:
            raise RouteConflict(f"{what} {key!r} is already handled by {table[key].__qualname__}")
        table[key] = handler

    def _single(self, name: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self._claim(self._singles, name, handler, "event")
            return handler
        return decorate

    def follow(self) -> Callable[[Handler], Handler]:
        return self._single("follow")

    def unfollow(self) -> Callable[[Handler], Handler]:
        return self._single("unfollow")

    def join(self) -> Callable[[Handler], Handler]:
        return self._single("join")

    def leave(self) -> Callable[[Handler], Handler]:
        return self._single("leave")

    def group_message(self) -> Callable[[Handler], Handler]:
        """Messages in groups and rooms (the bot works in 1:1 chats)."""
        return self._single("group_message")

    def location(self) -> Callable[[Handler], Handler]:
        return self._single("location")

    def fallback(self) -> Callable[[Handler], Handler]:
        """Text that no route matched."""
        return self._single("fallback")

    def text(self, *words: str) -> Callable[[Handler], Handler]:
        """Exact words (any language), compared after normalize_text."""
        def decorate(handler: Handler) -> Handler:
            for word in words:
                self._claim(self._texts, normalize_text(word), handler, "text")
            return handler
        return decorate

    def pattern(self, regex: str) -> Callable[[Handler], Handler]:
        compiled = re.compile(regex, re.IGNORECASE)

        def decorate(handler: Handler) -> Handler:
            self._patterns.append((compiled, handler))
            return handler
        return decorate

    def postback(self, action: str) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self._claim(self._postbacks, action, handler, "postback action")
            return handler
        return decorate

    def message(self, *message_types: str) -> Callable[[Handler], Handler]:
        """Other message types: sticker, image, video, audio, file."""
        def decorate(handler: Handler) -> Handler:
            for message_type in message_types:
                self._claim(self._messages, message_type, handler, "message type")
            return handler
        return decorate

    def dialog(self, state: str) -> Callable[[Handler], Handler]:
        """Free text while a person is in the middle of a dialogue (e.g. typing their name)."""
        def decorate(handler: Handler) -> Handler:
            self._claim(self._states, state, handler, "dialog state")
            return handler
        return decorate

    def location_dialog(self, state: str) -> Callable[[Handler], Handler]:
        """A location sent while a person is in this dialogue state (e.g. asked for where
        they need help) goes here instead of the general location route."""
        def decorate(handler: Handler) -> Handler:
            self._claim(self._location_states, state, handler, "location dialog state")
            return handler
        return decorate

    def help_item(self, label: str, text: str, roles: Sequence[str], order: int = 50) -> None:
        self.help_items.append(HelpItem(label, text, frozenset(roles), order))
        self.help_items.sort(key=lambda item: item.order)

    # Dispatch --------------------------------------------------------------

    def resolve(self, event: LineEvent,
                dialog_state: str | None) -> tuple[Handler | None, Any]:
        """The handler for an event, and the regex match for a pattern route."""
        if event.type in ("follow", "unfollow", "join", "leave"):
            return self._singles.get(event.type), None
        if not event.is_one_to_one:
            if event.type == "message":
                return self._singles.get("group_message"), None
            return None, None
        if event.type == "postback" and event.postback is not None:
            return self._postbacks.get(event.postback.action), None
        if event.type != "message":
            return None, None
        if event.message_type == "location":
            if dialog_state is not None and dialog_state in self._location_states:
                return self._location_states[dialog_state], None
            return self._singles.get("location"), None
        if event.message_type != "text":
            return self._messages.get(event.message_type or ""), None
        words = normalize_text(event.text or "")
        if words in self._texts:
            return self._texts[words], None
        for regex, handler in self._patterns:
            match = regex.fullmatch(words)
            if match:
                return handler, match
        if dialog_state is not None and dialog_state in self._states:
            return self._states[dialog_state], None
        return self._singles.get("fallback"), None

    def dispatch(self, context: Context) -> list[Message]:
        handler, match = self.resolve(
            context.event, context.sender.dialog_state if context.sender else None)
        if handler is None:
            log.info("no route event=%s type=%s", context.event.webhook_event_id,
                     context.event.type)
            if context.event.type == "postback" and context.event.is_one_to_one:
                # A button from an old message, or forged: say so rather than stay silent.
                return [text_message(context._(UNKNOWN_POSTBACK))]
            return []
        context.match = match
        return list(handler(context) or [])
