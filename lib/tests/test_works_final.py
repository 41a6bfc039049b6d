# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""End of a works contract: the frames read once from codes.json, the final statement's
recap (état du solde), the general statement's balance, the delays of the tacit
procedure. The collège's lot 1: 431 549.00 excluding VAT, advance 43 154.90, 5 %."""

import datetime
from decimal import Decimal

from l10n_fr_chorus_pro.lib.chorus.statuses import BILLING_FRAME_API_CODES
from l10n_fr_chorus_pro.lib.works_statement import (
    CO_CONTRACTOR,
    FINAL,
    FRAMES,
    GENERAL,
    HOLDER,
    MONTHLY,
    REPRESENTATIVE,
    SUBCONTRACTOR,
    TACIT,
    TACIT_DRAFT,
    allowed_frames,
    deadline,
    delay_passed,
    final_balance,
    general_balance,
)

D = Decimal
TOTAL = D("431549.00")


def test_frames_come_from_codes_json():
    expected = {
        (HOLDER, MONTHLY): ("A4",),
        (HOLDER, FINAL): ("A7",),
        (HOLDER, GENERAL): ("A8",),
        (HOLDER, TACIT_DRAFT): ("A22",),
        (HOLDER, TACIT): ("A23",),
        (SUBCONTRACTOR, MONTHLY): ("A10",),
        (SUBCONTRACTOR, FINAL): ("A11",),
        (CO_CONTRACTOR, MONTHLY): ("A13",),
        (CO_CONTRACTOR, FINAL): ("A14",),
    }
    for key, frames in expected.items():
        assert allowed_frames(*key) == frames
        # The representative (mandataire) files as the holder.
        if key[0] == HOLDER:
            assert allowed_frames(REPRESENTATIVE, key[1]) == frames
    # No general statement for a subcontractor or a co-contractor (holder only).
    for role in (SUBCONTRACTOR, CO_CONTRACTOR):
        for kind in (GENERAL, TACIT_DRAFT, TACIT):
            assert allowed_frames(role, kind) == ()
    # Every frame is a short code of codes.json, sent as its API string.
    assert BILLING_FRAME_API_CODES["A22"] == "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE"
    assert all(code in BILLING_FRAME_API_CODES for frames in FRAMES.values() for code in frames)


def test_final_balance():
    balance = final_balance(
        TOTAL, [D("62900.00"), D("75932.50")], D("43154.90"), D("43154.90"), D("21577.45")
    )
    assert (balance.total, balance.claimed, balance.balance) == (TOTAL, D("138832.50"), D("292716.50"))
    assert (balance.advance_left, balance.retention) == (0, D("21577.45"))
    partly = final_balance(TOTAL, [], D("43154.90"), D("10000"), 0)
    assert partly.advance_left == D("33154.90")


def test_general_balance_difference_credit_and_zero():
    higher = general_balance(
        D("436120.35"), TOTAL, TOTAL, D("43154.90"), D("43154.90"), 5, False, D("21577.45")
    )
    # 436 120.35 - 431 549.00; the retention stays capped at 5 % of the contract.
    assert (higher.difference, higher.advance_left, higher.retention_month) == (D("4571.35"), 0, 0)
    lower = general_balance(D("428000.00"), TOTAL, TOTAL, retention_rate=5, retention_withheld=D("21577.45"))
    assert (lower.difference, lower.retention_cumulative, lower.retention_month) == (
        D("-3549.00"),
        D("21400.00"),
        D("-177.45"),
    )
    same = general_balance(TOTAL, TOTAL, TOTAL, D("43154.90"), D("40000"), bank_guarantee=True)
    assert (same.difference, same.advance_left, same.retention_month) == (0, D("3154.90"), 0)


def test_delays():
    submitted = datetime.datetime(2026, 4, 1, 10, 30)
    assert deadline(submitted, 30) == datetime.date(2026, 5, 1)
    assert not delay_passed(submitted, 30, datetime.date(2026, 5, 1))  # the last day of the MOA
    assert delay_passed(submitted, 30, datetime.date(2026, 5, 2))
    assert not delay_passed(None, 30, datetime.date(2026, 5, 2))
