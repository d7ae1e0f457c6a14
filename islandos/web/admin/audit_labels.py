"""The audit log in words: who (an account's or a person's name, not `admin:1`), what (the
action in Japanese, not `notice.sent`) and which values changed (not raw JSON).

The shell labels its own actions here; each feature labels its own in `Feature.audit_labels`.
tests/admin/test_audit_labels.py reads every action the code records and fails on one
without a label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.i18n import N_, format_datetime, gettext
from islandos.models.admin import AdminUser
from islandos.models.audit import AuditEntry
from islandos.models.people import District, Person
from islandos.services.map.guide import CATEGORY_LABELS
from islandos.web.admin.map import ACCESS_LABELS, SHAPE_LABELS

# The shell's actions (accounts, sign-in, the log itself) and the shared asking core's.
SHELL_LABELS: dict[str, str] = {
    "admin.created": N_("アカウントを作成"),
    "admin.password_changed": N_("パスワードを変更"),
    "admin.role_changed": N_("アカウントの権限を変更"),
    "admin.disabled": N_("アカウントを無効化"),
    "admin.enabled": N_("アカウントを有効化"),
    "admin.login": N_("管理画面にログイン"),
    "admin.login_failed": N_("ログインに失敗"),
    "admin.logout": N_("管理画面からログアウト"),
    "admin.session_ended": N_("ログイン中の画面を終了"),
    "admin.sessions_ended": N_("すべてのログインを終了"),
    "admin.totp_enabled": N_("2段階認証を有効化"),
    "admin.totp_reset": N_("2段階認証のリセット"),
    "admin.line_link_code_created": N_("LINE連携コードを発行"),
    "admin.line_link_failed": N_("LINE連携に失敗"),
    "admin.line_linked": N_("LINEと連携"),
    "admin.line_unlinked": N_("LINE連携を解除"),
    "audit.exported": N_("監査ログをCSVで書き出し"),
    "personal_data.read": N_("個人データを閲覧"),
    "ask.answered": N_("代わりに回答"),
    "ask.answer_withdrawn": N_("代わりに回答を取り消し"),
}

# Actors that are not an account or a person.
ACTOR_LABELS = {"cli": N_("コマンド（CLI）"), "system": N_("システム（自動）"),
                "stripe": N_("Stripe"), "line": N_("LINE"), "demo": N_("デモデータ")}

# What a target "kind:id" names, in words ("notice:12" is 「お知らせ #12」).
TARGET_LABELS = {
    "notice": N_("お知らせ"), "spot": N_("地図の場所"), "closure": N_("立ち入り制限"),
    "invite_code": N_("招待コード"), "fee_payment": N_("協力金の支払い"), "fee_pass": N_("パス"),
    "fee_category": N_("料金区分"), "ferry_count": N_("フェリーの乗客数"), "ask": N_("質問"),
}

# Names of the values an entry's before/after hold; a key not listed is shown as written.
FIELD_LABELS = {
    "role": N_("役割"), "status": N_("状態"), "district_id": N_("集落"),
    "language": N_("言語"), "count": N_("件数"), "expires_at": N_("有効期限"),
    "audience": N_("送り先"), "priority": N_("重要度"), "recipients": N_("送った人数"),
    "family": N_("家族"), "username": N_("ユーザー名"), "code": N_("コード"),
    "person": N_("利用者"), "by": N_("だれが"), "send_at": N_("送信日時"),
    "reference": N_("受付番号"), "amount_jpy": N_("金額（円）"), "people": N_("人数"),
    "line_person_id": N_("LINEの利用者"), "request_id": N_("申請"),
    "used_by": N_("使った人"), "reason": N_("理由"), "slug": N_("識別名"), "what": N_("見たもの"),
    "category": N_("種類"), "access": N_("立ち入り"), "name": N_("名前"), "position": N_("位置"),
    "public_shape": N_("公開の地図での見せ方"),
}

# Words for stored values (roles, statuses, priorities, audiences).
VALUE_LABELS = {
    "islander": N_("島民"), "tourist": N_("観光客"), "family": N_("家族"),
    "unknown": N_("未登録"), "active": N_("友だち"), "unfollowed": N_("ブロック中"),
    "deleted": N_("削除済み"), "admin": N_("管理者"), "editor": N_("編集者"),
    "viewer": N_("閲覧者"), "normal": N_("通常"), "important": N_("重要"),
    "emergency": N_("緊急"), "everyone": N_("全員"), "islanders": N_("島民全員"),
    "districts": N_("集落を選ぶ"), "tourists": N_("観光客"), "staff": N_("職員"),
    "ja": N_("日本語"), "en": N_("英語"), "unused": N_("未使用"), "used": N_("使用済み"),
    "expired": N_("期限切れ"), "revoked": N_("取り消し済み"),
}

# Words for values that mean something only under their key: what a read showed
# (`audit.record_read`), and a map place's category, access and public shape.
READ_LABELS = {
    "people.list": N_("利用者の一覧"), "people.search": N_("利用者の検索"),
    "person.page": N_("利用者のページ"), "people.requests": N_("島民登録の申請"),
    "person.disclosure": N_("開示請求の記録"), "notice.not_confirmed": N_("お知らせを未確認の人"),
    "event.page": N_("行事の出欠"), "event.csv": N_("行事の出欠（CSV）"),
    "event.sign_in_sheet": N_("出席簿"), "poll.page": N_("アンケートの回答者"),
    "poll.csv": N_("アンケートの回答（CSV）"),
}
KEYED_VALUE_LABELS: dict[str, dict[str, str]] = {
    key: {str(value): label for value, label in labels.items()} for key, labels in (
        ("what", READ_LABELS), ("category", CATEGORY_LABELS), ("access", ACCESS_LABELS),
        ("public_shape", SHAPE_LABELS))}


def action_label(labels: Mapping[str, str], action: str) -> str:
    """The msgid of an action's words, or the action as written when it has none."""
    return labels.get(action, action)


@dataclass(frozen=True)
class Change:
    """One value of an entry: its name, and what it was and became ("" where not given)."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Names:
    """The names an entry page shows for ids: accounts, people, districts."""

    admins: Mapping[int, str]
    people: Mapping[int, str]
    districts: Mapping[int, str]


def _ids(refs: Iterable[str | None], prefixes: tuple[str, ...]) -> set[int]:
    found = set()
    for ref in refs:
        for prefix in prefixes:
            if ref and ref.startswith(prefix) and ref[len(prefix):].isdigit():
                found.add(int(ref[len(prefix):]))
    return found


PERSON_PREFIXES = ("line:person:", "person:")


def names_for(session: Session, entries: Iterable[AuditEntry], language: str) -> Names:
    """Look up, in three queries, the accounts, people and districts these entries name."""
    entries = list(entries)
    person_ids = {values[key] for entry in entries
                  for values in (entry.before or {}, entry.after or {})
                  for key in ("person", "line_person_id") if isinstance(values.get(key), int)}
    return names_of(session, [e.actor for e in entries] + [e.target for e in entries],
                    language, person_ids)


def names_of(session: Session, refs: Iterable[str | None], language: str,
             person_ids: Iterable[int] = ()) -> Names:
    """The names of the accounts and people these references ("admin:3", "person:7") name,
    and of every district (three queries)."""
    refs = list(refs)
    admin_ids = _ids(refs, ("admin:",))
    person_ids = _ids(refs, PERSON_PREFIXES) | set(person_ids)
    admins = {aid: name for aid, name in session.execute(
        select(AdminUser.id, AdminUser.username).where(AdminUser.id.in_(admin_ids)))
    } if admin_ids else {}
    people = {pid: name or f"#{pid}" for pid, name in session.execute(
        select(Person.id, Person.full_name).where(Person.id.in_(person_ids)))
    } if person_ids else {}
    districts = {d.id: d.name(language) for d in session.scalars(select(District))}
    return Names(admins, people, districts)


def who(ref: str | None, names: Names, language: str) -> str:
    """An actor or a target in words: the account's or the person's name where we know it."""
    if not ref:
        return ""
    if ref in ACTOR_LABELS:
        return gettext(language, ACTOR_LABELS[ref])
    if ref.startswith("admin:") and ref[6:].isdigit():
        name = names.admins.get(int(ref[6:]))
        return (gettext(language, "アカウント %(name)s", name=name) if name
                else gettext(language, "削除されたアカウント #%(id)s", id=ref[6:]))
    for prefix in PERSON_PREFIXES:
        if ref.startswith(prefix) and ref[len(prefix):].isdigit():
            person_id = int(ref[len(prefix):])
            return names.people.get(person_id) or gettext(
                language, "利用者 #%(id)s", id=person_id)
    kind, _, number = ref.partition(":")
    if kind in TARGET_LABELS and number:
        return f"{gettext(language, TARGET_LABELS[kind])} #{number}"
    return ref


def person_of(ref: str | None) -> int | None:
    """The person an actor or target names, for a link to their page."""
    for prefix in PERSON_PREFIXES:
        if ref and ref.startswith(prefix) and ref[len(prefix):].isdigit():
            return int(ref[len(prefix):])
    return None


def _value(key: str, value: Any, names: Names, language: str) -> str:
    if value is None:
        return gettext(language, "なし")
    if isinstance(value, bool):
        return gettext(language, "はい") if value else gettext(language, "いいえ")
    if key == "district_id" and isinstance(value, int):
        return names.districts.get(value, f"#{value}")
    if key in ("person", "line_person_id") and isinstance(value, int):
        return names.people.get(value, f"#{value}")
    if isinstance(value, list | tuple):
        return "、".join(_value(key, item, names, language) for item in value)
    if isinstance(value, dict):
        return "、".join(f"{k}: {_value(k, v, names, language)}" for k, v in value.items())
    if isinstance(value, str):
        if value in KEYED_VALUE_LABELS.get(key, {}):
            return gettext(language, KEYED_VALUE_LABELS[key][value])
        if value in VALUE_LABELS:
            return gettext(language, VALUE_LABELS[value])
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_datetime(moment, language) if moment.tzinfo else value
    return str(value)


def changes(entry: AuditEntry, names: Names, language: str) -> list[Change]:
    """What the entry's before/after say, one value a line: unchanged values are left out
    when both sides are given."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    found = []
    for key in keys:
        if key in before and key in after and before[key] == after[key]:
            continue
        label = gettext(language, FIELD_LABELS[key]) if key in FIELD_LABELS else key
        found.append(Change(label,
                            _value(key, before[key], names, language) if key in before else "",
                            _value(key, after[key], names, language) if key in after else ""))
    return found


def change_text(found: list[Change]) -> str:
    """Changes on one line each, for the CSV: 「役割: 観光客 → 島民」."""
    lines = []
    for change in found:
        if change.before and change.after:
            lines.append(f"{change.field}: {change.before} → {change.after}")
        else:
            lines.append(f"{change.field}: {change.before or change.after}")
    return "\n".join(lines)
