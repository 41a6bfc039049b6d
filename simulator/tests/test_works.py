"""Works documents: soumettre with a works frame and an MOE validator, the MOE -> MOA ->
payment circuit driven by the admin API and advance, refusals, corriger/valideur,
traiterRejet and the works referentials, over HTTP."""

import datetime
import json

import pytest
import requests
from chorus_pro_simulator import cli
from chorus_pro_simulator.util import today as chorus_today
from fxutil import PASSWORD, SIRET_CABINET, SIRET_D93, SIRET_TILLEULS, Client, b64, base_pdf

SOUMETTRE = "/cpro/factures/v1/soumettre"
CONSULTER = "/cpro/factures/v1/consulter/fournisseur"
RECHERCHER = "/cpro/factures/v1/rechercher/fournisseur"
CORRIGER = "/cpro/factures/v1/corriger/valideur/facture"
TRAITER_REJET = "/cpro/factures/v1/traiterRejet"
CADRES = "/cpro/transverses/v1/recuperer/cadrefacturation"
ACTIVES_TRAVAUX = "/cpro/transverses/v1/recuperer/structures/actives/facturetravaux"

TECH_CONTRACTOR = "TECH_1_84123456000016@cpro.fr"
CONTRACTOR_ID = 26311005
SIRET_CONTRACTOR = "84123456000016"
SIRET_MOE = "85234567700011"
MOE_ID = 26311006
A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"


@pytest.fixture
def contractor(server, sim):
    # The Département's buildings service: the MOA's service of the works documents.
    sim.add_service(SIRET_D93, "BATIMENTS", "Direction des bâtiments (collèges)")
    return Client(server.url, login=TECH_CONTRACTOR, password=PASSWORD)


def admin(server, route, body, status=200):
    response = requests.post(server.url + "/_simulator" + route, json=body, timeout=10)
    assert response.status_code == status, response.text
    return response.json()


def statement(client, number="DM-2026-01", frame=A4, validator=SIRET_MOE, service="MOE-COLLEGES", ht=10000.0):
    piece = client.ok(
        "/cpro/factures/v1/deposer/pdf",
        {"fichierFacture": b64(base_pdf()), "nomFichier": f"{number}.pdf", "formatDepot": "PDF_NON_SIGNE"},
    )["pieceJointeId"]
    cadre = {"codeCadreFacturation": frame}
    if validator is not None:
        cadre["codeStructureValideur"] = validator
    if service is not None:
        cadre["codeServiceValideur"] = service
    return {
        "modeDepot": "DEPOT_PDF_API",
        "numeroFactureSaisi": number,
        "dateFacture": chorus_today().isoformat(),
        "destinataire": {"codeDestinataire": SIRET_D93, "codeServiceExecutant": "BATIMENTS"},
        "fournisseur": {"idFournisseur": CONTRACTOR_ID},
        "cadreDeFacturation": cadre,
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "typeTva": "TVA_SUR_DEBIT",
            "modePaiement": "VIREMENT",
            "numeroBonCommande": "EJ2026-TRAVAUX-01",
            "numeroMarche": "MT-2026-COLLEGE-07",
        },
        "montantTotal": {"montantHtTotal": ht, "montantTVA": ht * 0.2, "montantTtcTotal": ht * 1.2},
        "pieceJointePrincipale": [
            {"pieceJointePrincipaleDesignation": number, "pieceJointePrincipaleId": piece}
        ],
    }


def submit(client, **kwargs):
    return client.ok(SOUMETTRE, statement(client, **kwargs))


def consult(client, invoice_id):
    return client.ok(CONSULTER, {"identifiantFactureCPP": invoice_id})["facture"]


def history(client, invoice_id):
    entries = client.history(invoice_id)["historiquesDesStatuts"]["histoStatut"]
    return [entry["histoStatutCode"] for entry in sorted(entries, key=lambda e: e["histoStatutId"])]


def test_monthly_statement_goes_to_the_moe_with_its_deadline(contractor):
    answer = submit(contractor)
    invoice_id = answer["identifiantFactureCPP"]
    assert answer["statutFacture"] == "MISE_A_DISPOSITION_MOE"
    assert history(contractor, invoice_id) == ["DEPOSEE", "MISE_A_DISPOSITION_MOE"]
    facture = consult(contractor, invoice_id)
    cadre = facture["cadreDeFacturation"]
    assert cadre["codeCadreFacturation"] == A4
    assert (cadre["identifiantMoe"], cadre["idMoe"], cadre["codeServiceMoe"]) == (
        SIRET_MOE,
        MOE_ID,
        "MOE-COLLEGES",
    )
    assert cadre["raisonSocialeMoe"].startswith("Atelier d'architecture")
    assert (cadre["identifiantMoa"], cadre["codeServiceMoa"]) == (SIRET_D93, "BATIMENTS")
    assert cadre["codeValideur1"] == SIRET_MOE and "dateValidation1" not in cadre
    assert facture["references"]["typeFactureTravaux"] == "PROJET_DECOMPTE_MENSUEL"
    follow_up = facture["suiviTravaux"]
    start = datetime.datetime.fromisoformat(follow_up["dateHeureMiseADispositionMoe"])
    end = datetime.datetime.fromisoformat(follow_up["dateHeureLimiteTraitementMoe"])
    assert end - start == datetime.timedelta(days=7)
    # The same timestamp as the status history (Chorus Pro's, which starts the 7 days).
    entries = contractor.history(invoice_id)["historiquesDesStatuts"]["histoStatut"]
    made_available = [e for e in entries if e["histoStatutCode"] == "MISE_A_DISPOSITION_MOE"][0]
    assert made_available["histoStatutDatePassage"] == start.strftime("%Y-%m-%d %H:%M")
    # In the search, with the works statuses and the works payment request type.
    found = contractor.ok(RECHERCHER, {"statutCourant": ["MISE_A_DISPOSITION_MOE"]})["listeFactures"]
    assert [(f["identifiantFactureCPP"], f["typeDemandePaiement"]) for f in found] == [
        (invoice_id, "FACTURE_TRAVAUX")
    ]


def test_advance_walks_moe_moa_to_payment_at_the_submitted_amounts(contractor, server):
    invoice_id = submit(contractor, ht=12500.0)["identifiantFactureCPP"]
    answer = admin(server, "/invoices/advance", {"ids": [invoice_id], "steps": 10})
    assert answer["invoices"][str(invoice_id)] == "MISE_EN_PAIEMENT"
    assert history(contractor, invoice_id) == [
        "DEPOSEE",
        "MISE_A_DISPOSITION_MOE",
        "PRISE_EN_COMPTE_MOE",
        "TRANSMISE_MOA",
        "MISE_A_DISPOSITION_MOA",
        "PRISE_EN_COMPTE_MOA",
        "MANDATEE",
        "MISE_EN_PAIEMENT",
    ]
    facture = consult(contractor, invoice_id)
    follow_up = facture["suiviTravaux"]
    assert (follow_up["montantHtValideMoe"], follow_up["montantsCorrigesMoe"]) == (12500.0, False)
    assert (follow_up["montantTtcValideMoa"], follow_up["montantsCorrigesMoa"]) == (15000.0, False)
    assert facture["cadreDeFacturation"]["dateValidation1"] == chorus_today().isoformat()
    assert facture["cadreDeFacturation"]["codeValideur2"] == SIRET_D93
    assert facture["montantTotal"]["montantAPayer"] == 15000.0


def test_moe_validates_with_corrected_amounts_then_moa(contractor, server):
    invoice_id = submit(contractor, ht=10000.0)["identifiantFactureCPP"]
    admin(server, "/invoices/status", {"identifiantFactureCPP": invoice_id, "statut": "PRISE_EN_COMPTE_MOE"})
    answer = admin(
        server,
        "/works/validate",
        {
            "identifiantFactureCPP": invoice_id,
            "montantHT": 9200.0,
            "commentaire": "Lot 2 : 92 % et non 100 %",
        },
    )
    assert answer["statut"] == "TRANSMISE_MOA"
    facture = consult(contractor, invoice_id)
    follow_up = facture["suiviTravaux"]
    assert (follow_up["montantHtValideMoe"], follow_up["montantTtcValideMoe"]) == (9200.0, 11040.0)
    assert follow_up["montantsCorrigesMoe"] is True
    assert follow_up["commentaireValidationMoe"] == "Lot 2 : 92 % et non 100 %"
    assert facture["montantTotal"]["montantHtTotal"] == 10000.0  # what was submitted stays
    assert facture["montantTotal"]["montantAPayer"] == 11040.0
    assert (
        "9200.00 EUR HT"
        in contractor.history(invoice_id)["historiquesDesStatuts"]["histoStatut"][-1][
            "histoStatutCommentaire"
        ]
    )
    # The MOA cannot validate before it holds it, then validates the MOE's amounts.
    admin(server, "/works/validate", {"identifiantFactureCPP": invoice_id}, status=409)
    assert admin(server, "/works/validate", {"identifiantFactureCPP": invoice_id, "par": "MOA"})[
        "statut"
    ] == ("MANDATEE")
    follow_up = consult(contractor, invoice_id)["suiviTravaux"]
    assert (follow_up["montantHtValideMoa"], follow_up["montantsCorrigesMoa"]) == (9200.0, True)
    admin(server, "/invoices/advance", {"ids": [invoice_id]})
    assert history(contractor, invoice_id)[-1] == "MISE_EN_PAIEMENT"


def test_an_amount_error_is_not_a_refusal_reason(contractor, server):
    invoice_id = submit(contractor)["identifiantFactureCPP"]
    error = admin(
        server, "/works/refuse", {"identifiantFactureCPP": invoice_id, "motif": "ERREUR_MONTANT"}, status=400
    )
    assert "19 February 2025" in error["error"]
    admin(server, "/works/refuse", {"identifiantFactureCPP": invoice_id, "motif": "TROP_CHER"}, status=400)
    assert history(contractor, invoice_id)[-1] == "MISE_A_DISPOSITION_MOE"


def test_moe_refusal_stops_the_circuit_and_traiter_rejet(contractor, server):
    invoice_id = submit(contractor)["identifiantFactureCPP"]
    # Not refused: traiterRejet refuses to record anything.
    body = {"listeDemandePaiement": [{"idDemandePaiement": invoice_id}], "motifRejet": "", "cpltInfos": "x"}
    assert contractor.error(TRAITER_REJET, body)["codeRetour"] == 20013
    answer = admin(
        server,
        "/works/refuse",
        {"identifiantFactureCPP": invoice_id, "motif": "REF_FAC_TRAVAUX", "commentaire": "Marché erroné"},
    )
    assert answer["statut"] == "REFUSEE_MOE"
    admin(server, "/invoices/advance", {"ids": [invoice_id], "steps": 5})
    assert history(contractor, invoice_id)[-1] == "REFUSEE_MOE"  # the refusal stops it
    follow_up = consult(contractor, invoice_id)["suiviTravaux"]
    assert (follow_up["refusPar"], follow_up["motifRefus"], follow_up["commentaireRefus"]) == (
        "MOE",
        "REF_FAC_TRAVAUX",
        "Marché erroné",
    )
    item = contractor.ok(RECHERCHER, {"numeroFacture": "DM-2026-01"})["listeFactures"][0]
    assert item["rejetTraite"] is False
    contractor.ok(TRAITER_REJET, body)
    item = contractor.ok(RECHERCHER, {"numeroFacture": "DM-2026-01"})["listeFactures"][0]
    assert item["rejetTraite"] is True
    # corriger/valideur is for a wrong validator only.
    error = contractor.error(CORRIGER, {"idFacture": invoice_id, "identifiantStructure": SIRET_MOE})
    assert error["codeRetour"] == 20013 and "ERREUR_FOURNISSEUR_SUR_MOE" in error["libelle"]


def test_wrong_validator_refused_then_corrected(contractor, server, sim):
    other_moe = sim.add_structure("11122233700011", "Bureau d'études Nord (démonstration)", public=False)
    sim.set_works_enabled(other_moe)
    invoice_id = submit(contractor, validator="11122233700011", service=None)["identifiantFactureCPP"]
    answer = admin(
        server, "/works/refuse", {"identifiantFactureCPP": invoice_id, "motif": "MAUVAIS_VALIDEUR"}
    )
    assert answer["statut"] == "ERREUR_FOURNISSEUR_SUR_MOE"
    # Bad corrections: unknown structure, a structure not enabled for works, the same one.
    error = contractor.error(CORRIGER, {"idFacture": invoice_id, "identifiantStructure": "99999999999999"})
    assert "inconnue de l'annuaire" in error["libelle"]
    error = contractor.error(CORRIGER, {"idFacture": invoice_id, "identifiantStructure": SIRET_CABINET})
    assert "n'est pas habilitee a l'espace Factures de travaux" in error["libelle"]
    error = contractor.error(CORRIGER, {"idFacture": invoice_id, "identifiantStructure": "11122233700011"})
    assert "deja le valideur" in error["libelle"]
    error = contractor.error(
        CORRIGER, {"idFacture": invoice_id, "idStructure": 999, "identifiantStructure": SIRET_MOE}
    )
    assert "ne correspond pas" in error["libelle"]
    # Another supplier cannot touch it.
    tilleuls = Client(server.url)
    assert (
        tilleuls.error(CORRIGER, {"idFacture": invoice_id, "identifiantStructure": SIRET_MOE})["codeRetour"]
        == 20012
    )
    answer = contractor.ok(
        CORRIGER,
        {
            "idFacture": invoice_id,
            "idStructure": MOE_ID,
            "identifiantStructure": SIRET_MOE,
            "typeIdentifiantStructure": "SIRET",
        },
    )
    assert answer["idFacture"] == invoice_id
    assert history(contractor, invoice_id)[-2:] == ["ERREUR_FOURNISSEUR_SUR_MOE", "MISE_A_DISPOSITION_MOE"]
    facture = consult(contractor, invoice_id)
    assert facture["cadreDeFacturation"]["identifiantMoe"] == SIRET_MOE
    assert "motifRefus" not in facture["suiviTravaux"]
    admin(server, "/invoices/advance", {"ids": [invoice_id], "steps": 10})
    assert history(contractor, invoice_id)[-1] == "MISE_EN_PAIEMENT"


@pytest.mark.parametrize(
    ("validator", "service", "expected"),
    [
        (
            None,
            None,
            "Le valideur (codeStructureValideur) est obligatoire pour le cadre de facturation " + A4,
        ),
        ("99999999999999", None, "La structure valideur 99999999999999 (codeStructureValideur) est inconnue"),
        (SIRET_TILLEULS, None, "n'est pas habilitee a l'espace Factures de travaux"),
        (SIRET_MOE, "NOPE", "Le service NOPE (codeServiceValideur) est inconnu ou inactif"),
        (SIRET_CONTRACTOR, None, "ne peut pas etre le fournisseur lui-meme"),
    ],
)
def test_bad_validator_is_refused(contractor, sim, validator, service, expected):
    error = contractor.error(SOUMETTRE, statement(contractor, validator=validator, service=service))
    assert error["codeRetour"] == 20022
    assert expected in error["libelle"]
    assert not sim.find_invoices(numero_facture="DM-2026-01")


def test_frames_a_supplier_may_not_submit(contractor, server, sim):
    error = contractor.error(SOUMETTRE, statement(contractor, frame="A15_ETAT_ACOMPTE_MOE"))
    assert "reserve a la maitrise d'oeuvre" in error["libelle"]
    error = contractor.error(SOUMETTRE, statement(contractor, frame="A99_INVENTE"))
    assert error["libelle"] == "Le cadre de facturation A99_INVENTE est inconnu."
    # A supplier not enabled for works: its works documents are refused, its invoices not.
    sim.set_works_enabled(CONTRACTOR_ID, False)
    error = contractor.error(SOUMETTRE, statement(contractor))
    assert "La structure 84123456000016 n'est pas habilitee" in error["libelle"]
    assert contractor.ok(ACTIVES_TRAVAUX, {})["listeStructures"] == []
    body = statement(contractor, frame="A1_FACTURE_FOURNISSEUR", validator=None, service=None)
    assert contractor.ok(SOUMETTRE, body)["statutFacture"] == "DEPOSEE"


@pytest.mark.parametrize(
    "frame",
    [
        "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
        "A5_ETAT_ACOMPTE_FOURNISSEUR",
        "A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR",
        "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR",
        "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR",
        "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
        "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT",
        "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT",
        "A14_PROJET_DECOMPTE_FINAL_COTRAITANT",
        "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE",
        "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR",
    ],
)
def test_every_supplier_works_frame_is_submitted(contractor, frame):
    invoice_id = submit(contractor, frame=frame, number=frame[:3])["identifiantFactureCPP"]
    facture = consult(contractor, invoice_id)
    assert facture["cadreDeFacturation"]["codeCadreFacturation"] == frame
    # The general statements go straight to the MOA (test_works_final.py).
    straight_to_moa = frame[:3] in ("A8_", "A22", "A23")
    assert facture["statutFacture"] == ("TRANSMISE_MOA" if straight_to_moa else "MISE_A_DISPOSITION_MOE")
    found = contractor.ok(RECHERCHER, {"cadreFacturation": frame})["listeFactures"]
    assert [f["identifiantFactureCPP"] for f in found] == [invoice_id]


def test_works_referentials(contractor, client):
    frames = contractor.ok(CADRES, {"typeDemandePaiement": "FACTURE_TRAVAUX"})["listeCadreFacturation"]
    codes = [f["codeCadreFacturation"] for f in frames]
    assert codes[0] == A4 and "A25_DECOMPTE_GENERAL_DEFINITIF_MOE_PROCEDURE_TACITE" in codes
    assert "A1_FACTURE_FOURNISSEUR" not in codes
    invoices = contractor.ok(CADRES, {"typeDemandePaiement": "FACTURE"})["listeCadreFacturation"]
    assert [f["codeCadreFacturation"] for f in invoices] == [
        "A1_FACTURE_FOURNISSEUR",
        "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
        "A9_FACTURE_SOUSTRAITANT",
        "A12_FACTURE_COTRAITANT",
    ]
    assert len(contractor.ok(CADRES, {})["listeCadreFacturation"]) == 25
    assert contractor.error(CADRES, {"typeDemandePaiement": "BON"})["codeRetour"] == 20008
    assert contractor.ok(ACTIVES_TRAVAUX, {})["listeStructures"] == [
        {
            "idStructureCPP": CONTRACTOR_ID,
            "identifiant": SIRET_CONTRACTOR,
            "designationStructure": "Rénovation Bâtiment 93 (démonstration)",
        }
    ]
    # A supplier without works: none of its structures.
    assert client.ok(ACTIVES_TRAVAUX, {})["listeStructures"] == []


def test_backdate_passes_the_moe_deadline(contractor, server):
    invoice_id = submit(contractor)["identifiantFactureCPP"]
    before = consult(contractor, invoice_id)["suiviTravaux"]["dateHeureMiseADispositionMoe"]
    admin(server, "/invoices/backdate", {"identifiantFactureCPP": invoice_id, "jours": 8})
    follow_up = consult(contractor, invoice_id)["suiviTravaux"]
    after = datetime.datetime.fromisoformat(follow_up["dateHeureMiseADispositionMoe"])
    assert datetime.datetime.fromisoformat(before) - after == datetime.timedelta(days=8)
    assert datetime.datetime.fromisoformat(follow_up["dateHeureLimiteTraitementMoe"]) < datetime.datetime.now(
        after.tzinfo
    )
    admin(
        server,
        "/invoices/status",
        {"identifiantFactureCPP": invoice_id, "statut": "ABSENCE_VALIDATION_MOE_DELAI_REGLEMENTAIRE"},
    )
    assert history(contractor, invoice_id)[-1] == "ABSENCE_VALIDATION_MOE_DELAI_REGLEMENTAIRE"


def test_command_line_validates_and_refuses(contractor, server, capsys):
    first = submit(contractor, number="DM-CLI-1", ht=1000.0)["identifiantFactureCPP"]
    second = submit(contractor, number="DM-CLI-2")["identifiantFactureCPP"]
    url = ["--url", server.url]
    assert cli.main(["works-validate", str(first), "--ht", "900", "--comment", "Visa", *url]) == 0
    assert json.loads(capsys.readouterr().out) == {"statut": "TRANSMISE_MOA"}
    assert consult(contractor, first)["suiviTravaux"]["montantTtcValideMoe"] == 1080.0
    assert cli.main(["works-validate", str(first), "--by", "MOA", *url]) == 0
    assert json.loads(capsys.readouterr().out) == {"statut": "MANDATEE"}
    assert cli.main(["works-refuse", str(second), "MAUVAISE_MOA", "--comment", "Pas notre marché", *url]) == 0
    assert json.loads(capsys.readouterr().out) == {"statut": "ERREUR_FOURNISSEUR_SUR_MOA"}
