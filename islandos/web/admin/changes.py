"""One change from a dashboard button: its own transaction, a message saying how it went, back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

from flask import abort, current_app, flash, redirect
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from islandos.extensions import islandos_state
from islandos.web.locale import current_language


class Explained(Protocol):
    """A domain error that can say why, for the person who asked (e.g. RegistrationError)."""

    def text(self, language: str) -> str: ...


def apply_change(change: Callable[[Session], str], back: str, *,
                 not_found: tuple[type[Exception], ...] = (),
                 refused: tuple[type[Exception], ...] = ()) -> ResponseReturnValue:
    """Run `change` in its own transaction (committed), flash what it returns, go to `back`.

    `change` makes the change through a service and returns the success message. An error in
    `not_found` answers 404; one in `refused` (an `Explained` error) rolls the change back and
    is flashed instead. Anything else rolls back and propagates.
    """
    try:
        with islandos_state(current_app).db.transaction() as session:
            message = change(session)
    except not_found:
        abort(404)
    except refused as error:
        flash(cast(Explained, error).text(current_language()), "error")
    else:
        flash(message, "success")
    return redirect(back)
