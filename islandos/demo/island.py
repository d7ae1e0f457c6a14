"""The demo island 南風島 (Haenu-jima): districts, islanders, tourists, family, invite codes.

Idempotent: people are keyed by made-up LINE user ids, districts by code; a second run
only prints the unused demo invite codes again.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.models.people import District, FamilyLink, Person, Role, Status
from islandos.models.registration import InviteCode
from islandos.services.family import choose_name_for_family, family_code_for
from islandos.services.registration import create_invite_codes

DISTRICTS = (
    ("minato", "港集落", "Minato (harbour)"),
    ("nishi", "西集落", "Nishi (west)"),
    ("higashi", "東集落", "Higashi (east)"),
    ("hama", "浜集落", "Hama (beach)"),
)
ISLANDERS = (  # name, district code, language
    ("比嘉 ウシ", "minato", "ja"), ("比嘉 正男", "minato", "ja"), ("内間 カマド", "minato", "ja"),
    ("西銘 清", "minato", "ja"), ("安里 トミ", "minato", "ja"), ("外間 次郎", "nishi", "ja"),
    ("外間 ツル", "nishi", "ja"), ("宮城 良子", "nishi", "ja"), ("大城 健", "nishi", "ja"),
    ("金城 ハル", "nishi", "ja"), ("上原 勇", "higashi", "ja"), ("玉城 フミ", "higashi", "ja"),
    ("仲村 真一", "higashi", "ja"), ("新垣 静子", "higashi", "ja"), ("島袋 隆", "higashi", "ja"),
    ("知念 カメ", "hama", "ja"), ("喜屋武 明", "hama", "ja"), ("照屋 節子", "hama", "ja"),
    ("Emma Clarke", "hama", "en"), ("具志堅 悟", "hama", "ja"),
)
TOURISTS = (("ja", 4), ("en", 3))
FAMILY = (  # family member (name stays unstored: family give none), islander indexes
    ("ja", (0, 1)), ("ja", (5,)), ("en", (18,)), ("ja", (10, 11)),
)
DEMO_ACTOR = "demo"
UNUSED_CODES = 5


def demo_user_id(kind: str, n: int) -> str:
    """A stable made-up LINE user id (U + 32 hex), so the simulator can talk as them."""
    return "U" + hashlib.sha256(f"haenu-jima:{kind}:{n}".encode()).hexdigest()[:32]


def _person(session: Session, user_id: str, **fields: object) -> Person:
    person = session.scalar(select(Person).where(Person.line_user_id == user_id))
    if person is None:
        person = Person(line_user_id=user_id, status=Status.ACTIVE, followed_at=now(),
                        registered_at=now(), **fields)
        session.add(person)
        session.flush()
    return person


def seed_island(session: Session) -> list[str]:
    """Add the demo island (flushes); returns the lines to print (unused invite codes)."""
    districts: dict[str, District] = {}
    for order, (code, name_ja, name_en) in enumerate(DISTRICTS, start=1):
        district = session.scalar(select(District).where(District.code == code))
        if district is None:
            district = District(code=code, name_ja=name_ja, name_en=name_en, sort_order=order)
            session.add(district)
            session.flush()
        districts[code] = district
    islanders = [
        _person(session, demo_user_id("islander", i), role=Role.ISLANDER, language=language,
                district_id=districts[code].id, full_name=name, consented_at=now())
        for i, (name, code, language) in enumerate(ISLANDERS)
    ]
    n = 0
    for language, count in TOURISTS:
        for _ in range(count):
            _person(session, demo_user_id("tourist", n), role=Role.TOURIST, language=language)
            n += 1
    for i, (language, linked) in enumerate(FAMILY):
        member = _person(session, demo_user_id("family", i), role=Role.FAMILY, language=language)
        for index in linked:
            islander_id = islanders[index].id
            if session.scalar(select(FamilyLink).where(
                    FamilyLink.family_person_id == member.id,
                    FamilyLink.islander_person_id == islander_id)) is None:
                session.add(FamilyLink(family_person_id=member.id,
                                       islander_person_id=islander_id))
    session.flush()
    # The first islander agreed to show her registered name to her family; the others
    # have not chosen, so their family see only their district.
    shown = family_code_for(session, islanders[0])
    if shown.name_chosen_at is None:
        choose_name_for_family(session, islanders[0], islanders[0].full_name, DEMO_ACTOR)
    unused = list(session.scalars(select(InviteCode).where(
        InviteCode.created_by == DEMO_ACTOR, InviteCode.used_at.is_(None)).order_by(InviteCode.id)))
    if len(unused) < UNUSED_CODES:
        unused += create_invite_codes(session, count=UNUSED_CODES - len(unused),
                                      district_id=None, actor=DEMO_ACTOR)
    lines = [f"demo island 南風島: {len(DISTRICTS)} districts, {len(ISLANDERS)} islanders, "
             f"{sum(c for _, c in TOURISTS)} tourists, {len(FAMILY)} family members",
             "unused invite codes (for the simulator):"]
    return lines + [f"  {code.code}" for code in unused]
