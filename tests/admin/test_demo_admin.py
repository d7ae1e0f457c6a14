"""The demo island comes with a dashboard account a newcomer can sign in with."""

from __future__ import annotations

import re

from islandos.demo import seed_demo
from islandos.extensions import islandos_state
from tests.support.admin import log_in


def test_the_printed_demo_account_signs_in_with_its_2fa_code(app, client, db):
    with db.transaction() as session:
        lines = "\n".join(seed_demo(session, islandos_state(app).registry.seeders))
    password = re.search(r"user demo-admin  password (\S+)", lines).group(1)
    secret = re.search(r"TOTP\('([A-Z2-7]+)'\)", lines).group(1)
    log_in(client, "demo-admin", password, secret)
    assert "demo-admin" in client.get("/admin/").get_data(as_text=True)
    with db.transaction() as session:
        again = "\n".join(seed_demo(session, islandos_state(app).registry.seeders))
    assert "demo-admin exists" in again and password not in again
