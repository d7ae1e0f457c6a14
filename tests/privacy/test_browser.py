"""In a real browser, on a phone and a desktop: the privacy page's retention table, and the
office's printable disclosure record (printed without the menus), with no sideways scrolling."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from islandos.clock import now
from islandos.models import Role
from islandos.models.map import RulesSeen
from tests.support.browser import chromium, serve, sign_in  # noqa: F401
from tests.support.factories import make_admin, make_district, make_person

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("ISLANDOS_SCREENSHOTS", "/tmp/islandos-screenshots"))


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 900)], ids=["phone", "desktop"])
def test_privacy_page_and_disclosure_record(app, db, chromium, viewport):  # noqa: F811
    with db.transaction() as session:
        _admin, secret = make_admin(session, username="yakuba")
        person = make_person(session, Role.ISLANDER, district=make_district(session),
                             full_name="比嘉 花子", phone="098-123-4567")
        session.add(RulesSeen(person_id=person.id, seen_at=now()))
        person_id = person.id
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = "phone" if viewport[0] < 500 else "desktop"
    context = chromium.new_context(locale="ja-JP",
                                   viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    try:
        with serve(app) as base:
            page.goto(f"{base}/privacy")
            periods = page.locator("ul.retention")
            assert periods.locator("li").count() == 6
            assert "約5年（1827日）" in periods.inner_text()
            assert no_sideways_scroll(page)
            page.screenshot(path=str(SHOTS / f"privacy-page-{name}.png"), full_page=True)

            sign_in(page, base, "yakuba", secret, f"/admin/people/{person_id}/record")
            assert page.get_by_text("お名前：比嘉 花子").is_visible()
            assert page.get_by_text("島のルールを見た日時：", exact=False).is_visible()
            assert no_sideways_scroll(page)
            page.screenshot(path=str(SHOTS / f"disclosure-{name}.png"), full_page=True)
            page.emulate_media(media="print")
            assert not page.locator("nav.mainnav").is_visible()
            assert not page.get_by_text("ブラウザの印刷機能で印刷し").is_visible()
            page.screenshot(path=str(SHOTS / f"disclosure-print-{name}.png"), full_page=True)
    finally:
        context.close()
