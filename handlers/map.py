"""The tourist map in LINE: categories → spots, the nearest spots to a location, island rules.

No-entry places are never offered as a destination: they appear only in the
「入ってはいけない場所」 card, without a map button.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from islandos.i18n import N_
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.messages import Message
from islandos.line.router import Context, Router
from islandos.models.map import Access, Spot, SpotCategory
from islandos.models.people import Role
from islandos.services.map import places
from islandos.services.map.guide import (
    CATEGORY_LABELS,
    RULES,
    RULES_TITLE,
    mark_rules_seen,
    public_photo_url,
    rules_seen,
    spot_page_url,
)

PAGE = 11  # bubbles per carousel; a twelfth says 「もっと見る」
NO_ENTRY_RED = "#C0392B"
CAUTION_AMBER = "#B9770E"
OPEN_GREEN = "#1E7F4F"


def _categories(context: Context) -> list[dict[str, Any]]:
    items = [context.button(CATEGORY_LABELS[category], "map.cat", c=category.value)
             for category in places.CATEGORIES]
    items.append(messages.location_action(context._("現在地を送る")))
    items.append(messages.postback_action(
        context._("入れない場所"), postback_data("map.noentry"),
        display_text=context._("入ってはいけない場所")))
    items.append(messages.message_action(context._("島のルール"), context._("島のルール")))
    return items


def _rules_message(context: Context) -> Message:
    lines = [context._(rule) for rule in RULES]
    return messages.flex(context._(RULES_TITLE), messages.bubble(
        context._(RULES_TITLE), lines, label=context._("観光の方へ"), accent=NO_ENTRY_RED))


def on_map(context: Context) -> Sequence[Message]:
    """「マップ」: categories as quick replies; a visitor's first time starts with the rules."""
    ask = messages.text(context._("どの場所を探しますか？下のボタンから選んでください。"),
                        _categories(context))
    person = context.person
    if person is not None and not rules_seen(context.session, person.id):
        mark_rules_seen(context.session, person.id, context.now)
        return [_rules_message(context), ask]
    return [ask]


def on_rules(context: Context) -> Sequence[Message]:
    if context.person is not None:
        mark_rules_seen(context.session, context.person.id, context.now)
    return [_rules_message(context)]


def _status_line(context: Context, spot: Spot, closed: places.ClosedToday) -> dict[str, Any]:
    if spot in closed:
        words, color = context._("本日は閉まっています"), NO_ENTRY_RED
    elif spot.access == Access.CAUTION:
        words, color = context._("開いています（きまりがあります）"), CAUTION_AMBER
    else:
        words, color = context._("本日は開いています"), OPEN_GREEN
    return {"type": "text", "text": words, "size": "sm", "weight": "bold", "color": color,
            "wrap": True}


def _spot_bubble(context: Context, spot: Spot, closed: places.ClosedToday,
                 distance: places.NearSpot | None = None) -> dict[str, Any]:
    text = spot.text(context.language)
    base_url = context.settings.public_base_url
    lines: list[dict[str, Any]] = [
        {"type": "text", "text": context._(CATEGORY_LABELS[spot.category]), "size": "xs",
         "color": "#888888"},
        {"type": "text", "text": messages.truncate(text.name, 80), "weight": "bold",
         "size": "lg", "wrap": True},
    ]
    if distance is not None:
        lines.append({"type": "text", "size": "md", "weight": "bold", "color": "#1E6FA8",
                      "text": context._("徒歩 約%(minutes)s分（%(metres)s m）",
                                        minutes=distance.minutes,
                                        metres=int(round(distance.metres, -1)))})
    lines.append(_status_line(context, spot, closed))
    if text.description:
        lines.append({"type": "text", "text": messages.truncate(text.description, 80),
                      "size": "sm", "wrap": True, "color": "#333333", "maxLines": 3})
    if text.hours:
        lines.append({"type": "text", "size": "sm", "wrap": True, "color": "#555555",
                      "text": context._("時間：%(hours)s",
                                        hours=messages.truncate(text.hours, 60))})
    if spot.access == Access.CAUTION and text.rules:
        lines.append({"type": "text", "size": "sm", "wrap": True, "color": CAUTION_AMBER,
                      "text": messages.truncate(text.rules, 80)})
    buttons = [
        context.button(N_("地図で見る"), "map.loc", s=spot.id),
        messages.uri_action(context._("詳しく"), spot_page_url(base_url, spot, context.language)),
    ]
    card: dict[str, Any] = {
        "type": "bubble", "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": lines},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            messages.button(action, "primary" if i == 0 else "secondary", height="sm")
            for i, action in enumerate(buttons)]},
    }
    photo = public_photo_url(context.session, base_url, spot)
    if photo:
        card["hero"] = {"type": "image", "url": photo, "size": "full", "aspectRatio": "20:13",
                        "aspectMode": "cover"}
    return card


def on_category(context: Context) -> Sequence[Message]:
    postback = context.event.postback
    raw = postback.get("c") if postback else None
    if raw is None or raw not in SpotCategory.__members__.values() \
            or raw == SpotCategory.SACRED:
        return [messages.text(context._("その種類の場所は見つかりませんでした。"),
                              _categories(context))]
    category = SpotCategory(raw)
    page = (postback.int("p") if postback else None) or 0
    spots = places.destinations(context.session, category)
    label = context._(CATEGORY_LABELS[category])
    if not spots:
        return [messages.text(context._("「%(category)s」の場所はまだ登録されていません。",
                                        category=label), _categories(context))]
    closed = places.ClosedToday.at(context.session, context.now)
    shown = spots[page * PAGE:(page + 1) * PAGE]
    if not shown:
        return [messages.text(context._("これ以上はありません。"), _categories(context))]
    bubbles = [_spot_bubble(context, spot, closed) for spot in shown]
    if len(spots) > (page + 1) * PAGE:
        bubbles.append(_more_bubble(context, category, page + 1))
    return [messages.flex(context._("%(category)s の一覧", category=label),
                          messages.carousel(bubbles), _categories(context))]


def _more_bubble(context: Context, category: SpotCategory, page: int) -> dict[str, Any]:
    return messages.bubble(context._("もっと見る"), [context._("続きの場所を表示します。")], [
        context.button(N_("もっと見る"), "map.cat", c=category.value, p=page)])


def on_spot_location(context: Context) -> Sequence[Message]:
    postback = context.event.postback
    spot_id = postback.int("s") if postback else None
    spot = context.session.get(Spot, spot_id) if spot_id is not None else None
    if spot is None or not spot.is_destination:
        return [messages.text(context._("その場所は見つかりませんでした。"), _categories(context))]
    text = spot.text(context.language)
    address = context._(CATEGORY_LABELS[spot.category])
    return [messages.location(text.name, address, spot.latitude, spot.longitude)]


def on_no_entry(context: Context) -> Sequence[Message]:
    """Every place nobody may enter (hidden ones by name only) and today's closures."""
    language = context.language
    lines = [f"・{spot.text(language).name}"
             for spot in places.no_entry_places(context.session, public_only=False)]
    for closure in places.closures_today(context.session, context.now):
        lines.append(context._("・%(name)s（本日閉鎖：%(reason)s）", name=closure.name(language),
                               reason=closure.reason(language)))
    if not lines:
        lines = [context._("いまは入れない場所の登録はありません。")]
    lines.append(context._("御嶽（うたき）や拝所は島の大切な祈りの場です。入らず、外から静かに見守ってください。"))
    title = context._("入ってはいけない場所")
    return [messages.flex(title, messages.bubble(title, lines, label=context._("大切なお願い"),
                                                 accent=NO_ENTRY_RED))]


def on_location(context: Context) -> Sequence[Message]:
    """A shared location: warnings first, then the nearest open spots with walking time."""
    event = context.event
    if event.latitude is None or event.longitude is None:
        return [messages.text(context._(
            "位置情報を読み取れませんでした。もう一度送ってください。"))]
    found: list[Message] = []
    warnings = places.warnings_at(context.session, event.latitude, event.longitude, context.now)
    for warning in warnings[: messages.MAX_MESSAGES_PER_REQUEST - 1]:
        key = (N_("⚠ 近くに入ってはいけない場所（%(name)s）があります。入らないでください。")
               if warning.kind == "no_entry" else
               N_("⚠ いる場所は「%(name)s」で、いまは閉鎖中です。すぐに離れてください。"))
        found.append(messages.text(context._(key, name=warning.name(context.language))))
    nearest = places.nearest_open(context.session, event.latitude, event.longitude, context.now)
    if not nearest:
        found.append(messages.text(context._("近くに案内できる場所が見つかりませんでした。"),
                                   _categories(context)))
        return found
    closed = places.ClosedToday(frozenset(), ())  # the nearest are open today
    bubbles = [_spot_bubble(context, near.spot, closed, near) for near in nearest]
    found.append(messages.flex(context._("近くの場所"), messages.carousel(bubbles),
                               _categories(context)))
    return found


def register(router: Router) -> None:
    router.text("マップ", "地図", "map", "まっぷ", "観光マップ")(on_map)
    router.text("島のルール", "ルール", "island rules", "rules")(on_rules)
    router.text("入ってはいけない場所", "places you must not enter")(on_no_entry)
    router.postback("map.cat")(on_category)
    router.postback("map.loc")(on_spot_location)
    router.postback("map.noentry")(on_no_entry)
    router.location()(on_location)
    router.help_item(N_("マップ"), N_("マップ"), list(Role), order=30)
    router.help_item(N_("島のルール"), N_("島のルール"), [Role.TOURIST, Role.UNKNOWN], order=35)
