"""Codes defined once: lib/chorus/codes.json read by the addon and by the simulator."""

import json
from pathlib import Path

from chorus_pro_simulator import constants as sim_codes
from l10n_fr_chorus_pro.lib.chorus import statuses

ADDON_ROOT = Path(__file__).resolve().parents[2]


def test_simulator_reads_the_same_codes_file():
    linked = ADDON_ROOT / "simulator" / "chorus_pro_simulator" / "data" / "codes.json"
    assert linked.is_symlink()
    assert linked.resolve() == (ADDON_ROOT / "lib" / "chorus" / "codes.json").resolve()
    assert sim_codes.CODES == statuses.CODES
    assert sim_codes.CADRES == statuses.BILLING_FRAME_API_CODES
    assert set(sim_codes.INVOICE_STATUSES) == {code for code, _l in statuses.INVOICE_STATUSES} | {"BROUILLON"}
    assert set(sim_codes.WORKS_STATUSES) == {code for code, _l in statuses.WORKS_STATUSES}


def test_works_frames_each_role_may_file():
    # Chorus Pro's list of supplier frames (works-invoicing.md §1); A11 from go-choruspro.
    assert statuses.WORKS_FRAMES_BY_ROLE == {
        "holder": ("A4", "A5", "A6", "A7", "A8", "A22", "A23"),
        "subcontractor": ("A10", "A11"),
        "co_contractor": ("A13", "A14"),
    }
    assert statuses.FRAMES_BY_KIND["monthly_statement"] == ("A4", "A10", "A13")
    assert statuses.FRAMES_BY_KIND["final_statement"] == ("A7", "A11", "A14")
    for code in statuses.WORKS_SUPPLIER_FRAMES:
        assert statuses.FRAMES[code]["validator"] == "moe"
        assert statuses.FRAMES[code]["payment_request"] == statuses.WORKS_PAYMENT_REQUEST_TYPE


def test_frame_api_strings_start_with_their_short_code():
    assert len(statuses.BILLING_FRAME_API_CODES) == 25
    for code, api_code in statuses.BILLING_FRAME_API_CODES.items():
        assert api_code.startswith(code + "_")
        assert statuses.BILLING_FRAME_SHORT_CODES[api_code] == code
    assert statuses.BILLING_FRAME_API_CODES["A4"] == "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
    # The frames of ordinary invoices stay the selection of invoices and orders.
    assert [code for code, _label in statuses.BILLING_FRAMES] == ["A1", "A2", "A9", "A12"]


def test_refusal_reasons_lead_to_works_statuses():
    works = {code for code, _label in statuses.WORKS_STATUSES}
    assert [code for code, _l in statuses.WORKS_REFUSAL_REASONS] == [
        "AUTRE",
        "MAUVAIS_VALIDEUR",
        "MAUVAISE_MOE",
        "MAUVAISE_MOA",
        "REF_FAC_TRAVAUX",
    ]
    for row in statuses.CODES["works_refusal_reasons"]:
        assert row["status"] in works
        assert row["status"] in statuses.WORKS_REFUSED_STATUSES
    assert statuses.WORKS_WRONG_VALIDATOR_STATUSES == {"ERREUR_FOURNISSEUR_SUR_MOE"}


def test_every_code_is_defined_once():
    codes = json.loads((ADDON_ROOT / "lib" / "chorus" / "codes.json").read_text(encoding="utf-8"))
    statuses_codes = [
        row["code"]
        for kind in ("invoice_statuses", "validation_statuses", "works_statuses")
        for row in codes[kind]
    ]
    assert len(statuses_codes) == len(set(statuses_codes))
    frames = [row["code"] for row in codes["billing_frames"]]
    assert len(frames) == len(set(frames))
    for row in codes["billing_frames"] + codes["flow_statuses"] + codes["works_statuses"]:
        assert row["label"], row
