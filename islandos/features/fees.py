"""The entry contribution (入島協力金): /fee, Stripe Checkout, passes, in LINE and /admin."""

from __future__ import annotations

from handlers import fees as fee_handlers
from islandos.cli import fees as fee_cli
from islandos.demo.fees import seed_fees
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.people import Role
from islandos.registry import Feature, HomeLink, NavItem, Offer
from islandos.services.fees.disclosure import fee_disclosure
from islandos.services.fees.payments import erase_fee_data
from islandos.web import fees as fee_pages
from islandos.web import fees_staff
from islandos.web.admin import fees as fee_admin

FEATURE = Feature(
    name="fees",
    routes=fee_handlers.register,
    erasers=(erase_fee_data,),
    blueprints=(fee_pages.bp, fee_pages.webhook_bp, fee_pages.local_checkout_bp,
                fees_staff.public_bp),
    admin_blueprints=(fee_admin.bp, fees_staff.admin_bp, fees_staff.staff_bp),
    nav=(NavItem(N_("入島協力金"), "fees_admin.report", min_role=AdminRole.VIEWER, order=45),
         NavItem(N_("港の受付"), "fees_counter.port", min_role=AdminRole.VIEWER, order=46),
         NavItem(N_("パスの確認"), "fees_staff.verify_page", min_role=AdminRole.VIEWER,
                 order=47)),
    cli=fee_cli.group,
    demo=seed_fees,
    home_links=(
        HomeLink(N_("入島協力金"), "fees.fee_form",
                 N_("島を守るための協力金を、スマホでお支払いいただけます。"), order=5),
    ),
    offers=(Offer(N_("入島協力金"), roles=frozenset({Role.TOURIST, Role.UNKNOWN}),
                  erases=N_("入島協力金のお支払いとこのLINEとのつながり")),),
    audit_labels={
        "fees.paid": N_("協力金の支払い"),
        "fees.failed": N_("協力金の支払いが失敗"),
        "fees.expired": N_("協力金の支払いが期限切れ"),
        "fees.refunded": N_("協力金を返金"),
        "fees.refund_recorded": N_("返金を記録"),
        "fees.checked_in": N_("パスを確認（受付）"),
        "fees.pass_moved": N_("パスの来島日を変更"),
        "fees.ferry_count": N_("フェリーの乗客数を記録"),
        "fees.category_saved": N_("料金区分を保存"),
    },
    disclosures=(fee_disclosure,),
)
