"""開示請求: a printable record of what the island holds about one person (audited as a read)."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.models.admin import AdminRole
from islandos.models.people import Person
from islandos.services import audit
from islandos.services.retention import PERIODS
from islandos.web.admin import admin_actor, feature_blueprint, role_required
from islandos.web.locale import current_language

bp = feature_blueprint("privacy_admin", __name__)


@bp.get("/people/<int:person_id>/record")
@role_required(AdminRole.ADMIN)
def record(person_id: int) -> ResponseReturnValue:
    """Every feature's part of the person's record, with the retention periods, to print."""
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        person = session.get(Person, person_id)
        if person is None:
            abort(404)
        parts = state.registry.disclosures(session, person, current_language())
        audit.record_read(session, admin_actor(), "person.disclosure", 1,
                          subject=f"person:{person.id}")
        line_user_id = person.line_user_id
    periods = [(period, getattr(state.settings, period.setting)) for period in PERIODS]
    return render_template("admin/privacy/record.html", person_id=person_id, parts=parts,
                           line_user_id=line_user_id, periods=periods, printed_at=now())
