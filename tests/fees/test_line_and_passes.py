"""「入島協力金」 in LINE → a signed link → payment → the pass pushed to the chat; passes are
signed so that a staff phone holding only the public key can tell a forged one."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from islandos.extensions import islandos_state
from islandos.line.richmenus import DEFAULT, LAYOUTS
from islandos.models.people import Role
from islandos.services.fees.passes import ForgedPass, PassClaims, sign_pass, verify_pass
from tests.fees.conftest import checkout_session_of, payment_for
from tests.registration.conftest import Chat, actions
from tests.support.factories import make_person
from tests.support.webhook import line_user_id


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_visitor_in_line_pays_and_gets_the_pass_pushed_to_the_chat(
        app, line, db, visitor, stripe_api, stripe_webhook, worker, fake_line):
    with db.transaction() as session:
        make_person(session, role=Role.TOURIST, language="en", line_user_id=line_user_id(70))
    chat = Chat(line, line_user_id(70))
    reply = chat.say("entry fee")
    button = actions(reply)["Go to payment"]
    link = urlsplit(button["uri"])
    query = parse_qs(link.query)
    assert link.path == "/fee" and query["openExternalBrowser"] == ["1"]
    assert query["src"] == ["line"] and line_user_id(70) not in button["uri"]

    response = visitor.pay(f"/fee?{link.query}", count_adult=1)
    session_id = checkout_session_of(response, stripe_api)
    params = stripe_api.requests[-1][2]
    assert line_user_id(70) not in json.dumps(params)  # Stripe never sees the LINE user
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    payment = payment_for(db, session_id)
    assert payment.source == "line" and payment.person_id is not None

    worker.run_once()
    pushes = [call.json for call in fake_line.calls("/v2/bot/message/push")]
    assert len(pushes) == 1 and pushes[0]["to"] == line_user_id(70)
    flex, image = pushes[0]["messages"]
    assert payment.fee_pass.code in json.dumps(flex, ensure_ascii=False)
    assert image["originalContentUrl"].endswith(f"/fee/pass/{payment.reference}.png")
    # The same event again pushes nothing more.
    stripe_webhook.send("checkout.session.async_payment_succeeded",
                        stripe_api.sessions[session_id])
    worker.run_once()
    assert len(fake_line.calls("/v2/bot/message/push")) == 1


def test_a_forged_link_pays_but_ties_the_payment_to_nobody(
        visitor, stripe_api, db):
    response = visitor.pay("/fee?src=line&u=forged.token.value", count_adult=1)
    assert payment_for(db, checkout_session_of(response, stripe_api)).person_id is None


def test_visitors_find_the_fee_on_the_rich_menu_and_the_home_page(client):
    tiles = next(layout for layout in LAYOUTS if layout.name == DEFAULT).tiles
    assert "入島協力金" in [tile.words for tile in tiles] and len(tiles) == 6
    home = client.get("/").get_data(as_text=True)
    assert 'href="/fee"' in home and "入島協力金" in home


def test_a_pass_verifies_with_the_public_key_the_way_webcrypto_does(app, client):
    settings = islandos_state(app).settings
    claims = PassClaims("ACD347", date(2026, 11, 25), {"adult": 2, "under6": 1})
    token = sign_pass(settings, claims)
    assert verify_pass(settings, token) == claims
    jwk = client.get("/passes/public-key.json").json
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and "d" not in jwk
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_unb64(jwk["x"])), int.from_bytes(_unb64(jwk["y"])),
        ec.SECP256R1()).public_key()
    _prefix, payload, signature = token.split(".")
    raw = _unb64(signature)  # r‖s, 64 bytes: what crypto.subtle.verify takes
    public.verify(encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
                  payload.encode(), ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("forge", ["more people", "other day", "other key", "garbage"])
def test_a_forged_pass_is_refused(app, forge):
    settings = islandos_state(app).settings
    token = sign_pass(settings, PassClaims("ACD347", date(2026, 11, 25), {"adult": 1}))
    prefix, payload, signature = token.split(".")
    if forge == "more people":
        body = json.loads(_unb64(payload))
        body["n"]["adult"] = 9
        forged = f"{prefix}.{base64.urlsafe_b64encode(json.dumps(body).encode()).decode()}" \
                 f".{signature}"
    elif forge == "other day":
        body = json.loads(_unb64(payload))
        body["d"] = "2026-11-26"
        forged = f"{prefix}.{base64.urlsafe_b64encode(json.dumps(body).encode()).decode()}" \
                 f".{signature}"
    elif forge == "other key":
        other = dataclasses.replace(settings, secret_key="another-app-" + "y" * 32)
        forged = sign_pass(other, PassClaims("ACD347", date(2026, 11, 25), {"adult": 1}))
    else:
        forged = "IP1.bm90aGluZw.AAAA"
    with pytest.raises(ForgedPass):
        verify_pass(settings, forged)


def test_deleting_a_visitors_data_keeps_the_payment_counted_but_unlinked(
        app, line, db, visitor, stripe_api, stripe_webhook):
    from islandos.services.privacy import delete_personal_data
    with db.transaction() as session:
        person = make_person(session, role=Role.TOURIST, line_user_id=line_user_id(71))
        person_id = person.id
    button = actions(Chat(line, line_user_id(71)).say("入島協力金"))["支払いへ進む"]
    session_id = checkout_session_of(
        visitor.pay(f"/fee?{urlsplit(button['uri']).query}", count_adult=2), stripe_api)
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    assert payment_for(db, session_id).person_id == person_id
    with db.transaction() as session:
        delete_personal_data(session, person_id, "test", islandos_state(app).registry.erasers,
                             notify=False)
    payment = payment_for(db, session_id)
    assert payment.person_id is None and payment.people == 2 and payment.total_jpy == 1000
