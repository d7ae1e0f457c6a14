"""The LINE messages of a notice, per language: plain text, or a card with 「確認しました」."""

from __future__ import annotations

from datetime import datetime

from islandos.i18n import format_datetime, gettext
from islandos.line import messages
from islandos.line.events import postback_data
from islandos.line.messages import MAX_TEXT, Message, utf16_len
from islandos.models.notices import Notice, NoticePriority

MAX_TITLE = 100  # UTF-16 units; also keeps the card and the alt text readable
MAX_LINE = 2000  # the card builder's limit for one text block
CONFIRM_ACTION = "notice_confirm"
EMERGENCY_COLOUR = "#C0392B"
IMPORTANT_COLOUR = "#B35C00"  # white text on it stays readable (contrast above 4.5)
REMINDER_TEXT = "%(when)sにお送りしたお知らせです。読んだら「確認しました」を押してください。"


def text_form(title: str, body: str) -> str:
    """A notice as one text message (also what LINE's limit is checked against)."""
    return f"【{title}】\n{body}"


def body_limit(title: str) -> int:
    """The longest body (UTF-16 units) that fits one LINE text with its title around it."""
    return MAX_TEXT - utf16_len(text_form(title, ""))


def split_body(body: str, limit: int = MAX_LINE) -> list[str]:
    """Blocks of at most `limit` units, cut at line ends where possible (nothing is dropped)."""
    blocks: list[str] = []
    current = ""
    for line in body.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            blocks.append(current)
        current = ""
        for char in line:
            if utf16_len(current + char) > limit:
                blocks.append(current)
                current = ""
            current += char
    if current.strip():
        blocks.append(current)
    return blocks or [" "]


def priority_label(priority: str, language: str) -> str | None:
    """「緊急」 or 「重要」 (None for a normal notice)."""
    if priority == NoticePriority.EMERGENCY:
        return gettext(language, "緊急")
    if priority == NoticePriority.IMPORTANT:
        return gettext(language, "重要")
    return None


def priority_band(priority: str, language: str, note: str | None = None
                  ) -> dict[str, object] | None:
    """The coloured header band of an important (orange) or emergency (red) notice."""
    label = priority_label(priority, language)
    if label is None:
        return None
    colour = EMERGENCY_COLOUR if priority == NoticePriority.EMERGENCY else IMPORTANT_COLOUR
    return messages.band(label, colour, note)


def alt_text(priority: str, language: str, title: str, rest: str = "") -> str:
    """What a phone's lock screen shows: 【緊急】 or 【重要】, the title, then the rest."""
    label = priority_label(priority, language)
    head = f"【{label}】{title}" if label else title
    return f"{head}\n{rest}" if rest else head


def confirm_button(notice_id: int, language: str) -> dict[str, object]:
    label = gettext(language, "確認しました")
    return messages.postback_action(label, postback_data(CONFIRM_ACTION, notice=notice_id),
                                    display_text=label)


def notice_messages(
    notice: Notice, language: str, *, image_url: str | None = None, family: bool = False,
    confirmable: bool = True,
) -> list[Message]:
    """What a recipient in `language` gets (English falls back to Japanese): important and
    emergency ones as a card with a coloured band and, when `confirmable` (it reached them),
    「確認しました」."""
    title, body = notice.title_for(language), notice.body_for(language)
    note = gettext(language, "ご家族の方へ") if family else None
    header = priority_band(notice.priority, language, note)
    if header is None:
        out: list[Message] = [messages.image(image_url)] if image_url else []
        return [*out, messages.text(text_form(title, body))]
    buttons = [confirm_button(notice.id, language)] if confirmable else []
    card = messages.bubble(title, split_body(body), buttons, hero_image_url=image_url,
                           header=header)
    return [messages.flex(alt_text(notice.priority, language, title, body), card)]


def reminder_messages(notice: Notice, language: str) -> list[Message]:
    """One reminder to confirm: the title, when it was sent, and the button."""
    title = notice.title_for(language)
    sent = format_datetime(notice.sent_at, language) if notice.sent_at else ""
    lines = [gettext(language, REMINDER_TEXT, when=sent),
             messages.truncate(notice.body_for(language), 300)]
    asking = gettext(language, "確認のお願い")
    card = messages.bubble(title, lines, [confirm_button(notice.id, language)],
                           header=priority_band(notice.priority, language, asking),
                           label=asking)
    return [messages.flex(alt_text(notice.priority, language, title, asking), card)]


def archive_bubble(notice: Notice, language: str, image_url: str | None) -> dict[str, object]:
    """A notice in the archive carousel: date, title, the start of the body, 「全文を読む」."""
    when = format_datetime(notice.sent_at, language) if notice.sent_at else ""
    return messages.bubble(
        notice.title_for(language), [messages.truncate(notice.body_for(language), 120)],
        [messages.postback_action(gettext(language, "全文を読む"),
                                  postback_data("notice_show", notice=notice.id))],
        hero_image_url=image_url, label=when, header=priority_band(notice.priority, language),
    )


def more_bubble(page: int, language: str) -> dict[str, object]:
    return messages.bubble(
        gettext(language, "もっと前のお知らせ"), [],
        [messages.postback_action(gettext(language, "もっと見る"),
                                  postback_data("notice_more", page=page))],
    )


def sent_line(moment: datetime, language: str) -> str:
    return gettext(language, "送信日時：%(when)s", when=format_datetime(moment, language))
