"""Admin forms (Flask-WTF: every form carries a CSRF token); labels live in the templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from islandos.clock import TOKYO
from islandos.models.admin import AdminRole
from islandos.web.locale import _


class lazy:
    """A message translated when it is shown, in the language of that request."""

    def __init__(self, msgid: str, **values: Any) -> None:
        self.msgid = msgid
        self.values = values

    def __str__(self) -> str:
        return _(self.msgid, **self.values)

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __mod__(self, values: Any) -> str:  # WTForms formats some messages with %(min)s
        return str(self) % values


def tokyo_datetime(value: str | None) -> datetime | None:
    """A datetime-local field's value, read as Japan time (None: empty or unreadable)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=TOKYO)
    except ValueError:
        return None


def optional_int(value: str | None, default: int | None = None) -> int | None:
    """A number field's value (`default`: empty or unreadable)."""
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


REQUIRED = lazy("入力してください。")
SIX_DIGITS = Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=lazy("6けたの数字を入力してください。"))


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(validators=[DataRequired(REQUIRED), Length(max=200)])
    next = HiddenField()


class TotpForm(FlaskForm):
    code = StringField(validators=[DataRequired(REQUIRED), SIX_DIGITS])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(validators=[DataRequired(REQUIRED)])
    new = PasswordField(validators=[DataRequired(REQUIRED), Length(
        min=10, max=200, message=lazy("10文字以上にしてください。"))])


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token)."""


class AccountForm(FlaskForm):
    username = StringField(validators=[DataRequired(REQUIRED), Length(max=64)])
    role = SelectField(choices=[SelectChoice(role, role) for role in AdminRole])
    password = PasswordField(validators=[DataRequired(REQUIRED), Length(
        min=10, max=200, message=lazy("10文字以上にしてください。"))])


class RoleForm(FlaskForm):
    role = SelectField(choices=[SelectChoice(role, role) for role in AdminRole])


class PersonRoleForm(FlaskForm):
    role = SelectField(choices=[])


class PersonDistrictForm(FlaskForm):
    district_id = SelectField(coerce=int, choices=[])


class RefuseForm(FlaskForm):
    reason = TextAreaField(validators=[Optional(), Length(max=300)])


class DeleteForm(FlaskForm):
    confirm = BooleanField(validators=[DataRequired(lazy("確認のチェックを入れてください。"))])


class InviteCodesForm(FlaskForm):
    count = IntegerField(default=1, validators=[
        DataRequired(REQUIRED),
        NumberRange(min=1, max=50, message=lazy("1から50までの数にしてください。"))])
    district_id = SelectField(coerce=int, choices=[])
    valid_days = IntegerField(default=30, validators=[
        Optional(), NumberRange(min=1, max=365, message=lazy("1から365までの数にしてください。"))])
