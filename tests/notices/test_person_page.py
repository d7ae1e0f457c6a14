"""A person's page in the dashboard lists the notices they received and when they confirmed."""

from __future__ import annotations

from islandos.line.events import postback_data
from islandos.services.notices.changes import withdraw
from tests.notices.conftest import BASE_URL, send
from tests.support.webhook import postback_event


def panel(viewer, person_id: int, lang: str = "ja") -> str:
    page = viewer.get(f"/admin/people/{person_id}?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    title = "受け取ったお知らせ" if lang == "ja" else "Notices received"
    return html.split(f"<h2>{title}</h2>")[1].split("</section>")[0]


def test_the_page_shows_each_notice_received_and_when_it_was_confirmed(
        admin_client, db, island, line, frozen_clock):
    water = send(db, audience_kind="islanders", priority="important")
    frozen_clock(minutes=30)
    send(db, audience_kind="districts", district_ids=(island.north,), title="港の清掃")
    frozen_clock(minutes=5)
    line.post(postback_event(island.uid("taro"), postback_data("notice_confirm", notice=water),
                             line.reply_token()))
    viewer = admin_client(role="viewer")

    taro = panel(viewer, island.ids["taro"])
    assert taro.index("港の清掃") < taro.index("断水のお知らせ")  # latest first
    assert "2026年11月25日(水) 9:00　【重要】断水のお知らせ" in taro
    assert "確認済み：2026年11月25日(水) 9:35" in taro
    assert "確認は不要" in taro  # a normal notice has no button
    assert "まだ確認していません" in panel(viewer, island.ids["hanako"])
    south = panel(viewer, island.ids["jiro"])
    assert "断水のお知らせ" in south and "港の清掃" not in south
    english = panel(viewer, island.ids["taro"], lang="en")
    assert "Confirmed: Wed, Nov 25, 2026, 9:35" in english
    assert "No confirmation needed" in english
    assert "受け取ったお知らせはありません。" in panel(viewer, island.ids["tourist"])


def test_family_copies_and_withdrawn_notices_are_marked(admin_client, db, island, frozen_clock):
    typhoon = send(db, audience_kind="islanders", priority="emergency", title="台風接近")
    with db.transaction() as session:
        withdraw(session, typhoon, "admin:1", BASE_URL)
    viewer = admin_client(role="viewer")
    family = panel(viewer, island.ids["family"])
    assert "【緊急】台風接近（家族として・取り消し済み）" in family
    assert family.count("台風接近") == 1  # linked to two islanders, one copy
