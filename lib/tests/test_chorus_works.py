"""Works documents through the pure client, against the simulator over HTTP: submit with
the frame and the MOE validator, read the works fields, correct the validator, handle a
refusal, the works referentials."""

import datetime
import sys
from pathlib import Path

import pytest
from chorus_pro_simulator.util import today as chorus_today

simulator_pkg = pytest.importorskip("chorus_pro_simulator")

from l10n_fr_chorus_pro.lib import chorus as cc  # noqa: E402
from l10n_fr_chorus_pro.lib.chorus_submission import submission_payload  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "simulator" / "tests"))
import fxutil  # noqa: E402

LOGIN = "TECH_1_84123456000016@cpro.fr"
CONTRACTOR_ID = 26311005
SIRET_CONTRACTOR = "84123456000016"
SIRET_MOE = "85234567700011"
MOE_ID = 26311006
SIRET_D93 = "22930008201453"
SIRET_OTHER_MOE = "11122233700011"

STATEMENT = {
    "BT-1": "DM-2026-03",
    "BT-2": chorus_today(),
    "BT-3": "380",
    "BT-5": "EUR",
    "BT-10": "BATIMENTS",
    "BT-12": "MT-2026-COLLEGE-07",
    "BT-13": "EJ2026-TRAVAUX-01",
    "BT-23": "A4",
    "BT-81": "30",
    "BG-7": {"name": "Département de la Seine-Saint-Denis", "legal_identifier": SIRET_D93},
    "BG-25": [
        {
            "BT-126": "1",
            "BT-129": 1.0,
            "BT-130": "C62",
            "BT-131": 18000.0,
            "BT-146": 18000.0,
            "BT-151": "S",
            "BT-152": 20.0,
            "BT-153": "Situation de travaux n° 3 (cumul 54 000 €, précédent 36 000 €)",
        }
    ],
    "BG-23": [{"BT-116": 18000.0, "BT-117": 3600.0, "BT-118": "S", "BT-119": 20.0}],
    "BT-109": 18000.0,
    "BT-110": 3600.0,
    "BT-112": 21600.0,
    "BT-115": 21600.0,
}


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    cc.clear_token_cache()
    yield
    cc.clear_token_cache()


@pytest.fixture
def sim():
    simulator = simulator_pkg.Simulator(flow_steps=0)
    simulator.add_service(SIRET_D93, "BATIMENTS", "Direction des bâtiments (collèges)")
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim):
    with sim.serve() as server:
        with cc.ChorusClient(
            server.url,
            server.token_url,
            client_id="chorus-sim-client",
            client_secret="chorus-sim-secret",
            login=LOGIN,
            password="Chorus-Sim-2026",
            timeout=5.0,
            max_retries=2,
            backoff=0.01,
        ) as instance:
            yield instance


def submit(client, validator=SIRET_MOE, service="MOE-COLLEGES", **changes):
    data = dict(STATEMENT, **changes)
    piece = client.deposit_pdf(fxutil.base_pdf(), f"{data['BT-1']}.pdf")
    body = submission_payload(
        data, piece, CONTRACTOR_ID, validator_siret=validator, validator_service=service
    )
    return client.submit_invoice(body)["identifiantFactureCPP"]


def test_monthly_statement_submitted_and_validated_with_a_corrected_amount(client, sim):
    invoice_id = submit(client)
    doc = client.works_document(invoice_id)
    assert (doc["frame"], doc["frame_api_code"]) == ("A4", "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR")
    assert (doc["kind"], doc["document_type"]) == ("monthly_statement", "PROJET_DECOMPTE_MENSUEL")
    assert (doc["status"], doc["holder"]) == ("MISE_A_DISPOSITION_MOE", "moe")
    assert doc["moe"] == {
        "id": MOE_ID,
        "siret": SIRET_MOE,
        "name": "Atelier d'architecture Lumière et associés (démonstration)",
        "service_id": 36311061,
        "service_code": "MOE-COLLEGES",
        "service_name": "Maîtrise d'œuvre des collèges",
    }
    assert (doc["moa"]["siret"], doc["moa"]["service_code"]) == (SIRET_D93, "BATIMENTS")
    assert doc["validations"] == {"moe": None, "moa": None}
    assert doc["moe_deadline"] - doc["made_available_to_moe"] == datetime.timedelta(days=7)
    assert (doc["amount_untaxed"], doc["amount_total"]) == (18000.0, 21600.0)
    # The MOE admits 16 500 € of the 18 000 € (an amount is corrected, never refused).
    sim.set_invoice_status(invoice_id, "PRISE_EN_COMPTE_MOE")
    sim.validate_works_document(invoice_id, amount_untaxed=16500.0, comment="Lot gros œuvre à 85 %")
    doc = client.works_document(invoice_id)
    moe = doc["validations"]["moe"]
    assert (doc["status"], doc["holder"]) == ("TRANSMISE_MOA", "moa")
    assert (moe["amount_untaxed"], moe["amount_total"], moe["corrected"]) == (16500.0, 19800.0, True)
    assert (moe["validator_siret"], moe["date"]) == (SIRET_MOE, chorus_today())
    assert moe["comment"] == "Lot gros œuvre à 85 %"
    assert doc["amount_to_pay"] == 19800.0 and doc["amount_untaxed"] == 18000.0
    sim.advance_invoices([invoice_id], steps=5)
    doc = client.works_document(invoice_id)
    assert doc["status"] == "MISE_EN_PAIEMENT"
    assert doc["validations"]["moa"]["validator_siret"] == SIRET_D93
    assert doc["validations"]["moa"]["amount_untaxed"] == 16500.0
    # Found by its works status, as a works payment request.
    (found,) = client.search_invoices(statutCourant=["MISE_EN_PAIEMENT"])
    assert (found["identifiantFactureCPP"], found["typeDemandePaiement"]) == (invoice_id, "FACTURE_TRAVAUX")


def test_unknown_validator_is_a_functional_error(client, sim):
    with pytest.raises(cc.ChorusFunctionalError) as caught:
        submit(client, validator="99999999999999", service=None)
    assert caught.value.code_retour == 20022
    assert "La structure valideur 99999999999999 (codeStructureValideur) est inconnue" in str(caught.value)
    assert not sim.find_invoices(numero_facture="DM-2026-03")


def test_wrong_validator_corrected_then_refusal_handled(client, sim):
    other = sim.add_structure(SIRET_OTHER_MOE, "Bureau d'études Nord (démonstration)", public=False)
    sim.set_works_enabled(other)
    invoice_id = submit(client, validator=SIRET_OTHER_MOE, service=None)
    sim.refuse_works_document(invoice_id, "MAUVAIS_VALIDEUR", "Nous ne sommes pas le maître d'œuvre")
    doc = client.works_document(invoice_id)
    assert doc["status"] == "ERREUR_FOURNISSEUR_SUR_MOE"
    assert doc["status"] in cc.WORKS_WRONG_VALIDATOR_STATUSES
    assert doc["refusal"]["reason"] == "MAUVAIS_VALIDEUR" and doc["refusal"]["by"] == "MOE"
    assert client.correct_validator(invoice_id, SIRET_MOE, MOE_ID, "MOE-COLLEGES")["idFacture"] == invoice_id
    doc = client.works_document(invoice_id)
    assert (doc["status"], doc["moe"]["siret"], doc["moe"]["service_code"]) == (
        "MISE_A_DISPOSITION_MOE",
        SIRET_MOE,
        "MOE-COLLEGES",
    )
    assert doc["refusal"] is None
    # A second correction is refused: the document is not refused any more.
    with pytest.raises(cc.ChorusFunctionalError, match="ERREUR_FOURNISSEUR_SUR_MOE"):
        client.correct_validator(invoice_id, SIRET_OTHER_MOE)
    # Refused by the MOE for another reason: the supplier records it handled the refusal.
    sim.refuse_works_document(invoice_id, "REF_FAC_TRAVAUX")
    assert client.works_document(invoice_id)["status"] in cc.WORKS_REFUSED_STATUSES
    (item,) = client.search_invoices(numeroFacture="DM-2026-03")
    assert item["rejetTraite"] is False
    client.handle_rejection([invoice_id], "Nouveau projet de décompte déposé", "DM-2026-03bis")
    (item,) = client.search_invoices(numeroFacture="DM-2026-03")
    assert item["rejetTraite"] is True


def test_works_referentials(client, sim):
    frames = client.billing_frames(cc.WORKS_PAYMENT_REQUEST_TYPE)
    short = [cc.BILLING_FRAME_SHORT_CODES[code] for code in frames]
    for role_frames in cc.WORKS_FRAMES_BY_ROLE.values():
        assert set(role_frames) <= set(short)
    assert "A1" not in short
    assert client.works_structures() == [
        {"id": CONTRACTOR_ID, "siret": SIRET_CONTRACTOR, "name": "Rénovation Bâtiment 93 (démonstration)"}
    ]
    sim.set_works_enabled(CONTRACTOR_ID, False)
    assert client.works_structures() == []


def test_deadline_from_the_history_when_the_platform_gives_no_follow_up(client, sim):
    invoice_id = submit(client)
    sim.backdate_invoice(invoice_id, 9)
    detail = client.invoice_detail(invoice_id)
    history = client.invoice_history(invoice_id)
    detail.pop("suiviTravaux")  # what the real platform answers (no such block)
    doc = cc.works_document(detail, history)
    assert doc["made_available_to_moe"] == cc.made_available_to_moe(history)
    assert doc["moe_deadline"] == doc["made_available_to_moe"] + datetime.timedelta(days=7)
    assert doc["moe_deadline"].date() < chorus_today()
    assert doc["validations"] == {"moe": None, "moa": None} and doc["refusal"] is None
