# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
# ruff: noqa: F821
"""make chaos, step 2 (run by ``odoo-bin shell``): the users' paths, as the web client
calls them, by the administrator: in each company, half of the invoices selected in the
invoice list and *Actions > Deposit to Chorus Pro* (above the threshold: a background
deposit), the other half selected and *Send* by Chorus Pro (a batch Send). The work is
done by the crons of the two servers."""

import os

from odoo.tools.safe_eval import safe_eval

SELECTION = int(os.environ.get("CHAOS_SELECTION", "100"))
admin = env.ref("base.user_admin")
companies = env["account.move"].search([("ref", "=", "CHAOS")]).company_id
for company in companies:
    uenv = env(user=admin, context={"allowed_company_ids": [company.id], "lang": "en_US"})
    moves = uenv["account.move"].search([("ref", "=", "CHAOS"), ("company_id", "=", company.id)], order="id")
    half = len(moves) // 2
    list_action = uenv.ref("account.action_move_out_invoice_type")
    wizard_action = uenv.ref("l10n_fr_chorus_pro.action_chorus_pro_deposit_wizard")
    for start in range(0, half, SELECTION):
        selected = moves[start : min(start + SELECTION, half)]
        context = dict(
            safe_eval(list_action.context or "{}", {"uid": admin.id}),
            active_model="account.move",
            active_ids=selected.ids,
            active_id=selected[0].id,
            active_domain=[],
        )
        context.update(safe_eval(wizard_action.context or "{}", dict(context, context=context)))
        wizard = uenv["chorus.pro.deposit.wizard"].with_context(context).create({})
        wizard.action_deposit()
        env.cr.commit()
    for start in range(half, len(moves), SELECTION):
        selected = moves[start : start + SELECTION]
        context = {"active_model": "account.move", "active_ids": selected.ids}
        uenv["account.move.send.batch.wizard"].with_context(**context).create({}).action_send_and_print()
        env.cr.commit()
print("CHAOS-REQUESTED", env["chorus.pro.deposit.job"].search_count([]))
