"""Works documents of the end of a contract: the final statements (A7, A11, A14) go through
the MOE like the monthly ones; the signed general statement (A8) and the tacit procedure
(A22, A23) go straight to the MOA (a simulator assumption, docs/works.md), the MOE still
named as validator."""

import pytest
from test_works import SOUMETTRE, admin, consult, contractor, history, statement, submit  # noqa: F401 (fixture)

A7 = "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR"
A8 = "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR"
A11 = "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT"
A14 = "A14_PROJET_DECOMPTE_FINAL_COTRAITANT"
A22 = "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE"
A23 = "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR"


@pytest.mark.parametrize("frame", [A7, A11, A14])
def test_final_statements_go_to_the_moe(contractor, frame):  # noqa: F811
    answer = submit(contractor, number=f"DF-{frame[:3]}", frame=frame)
    assert answer["statutFacture"] == "MISE_A_DISPOSITION_MOE"
    facture = consult(contractor, answer["identifiantFactureCPP"])
    assert facture["references"]["typeFactureTravaux"] == "PROJET_DECOMPTE_FINAL"
    assert "dateHeureLimiteTraitementMoe" in facture["suiviTravaux"]


@pytest.mark.parametrize(
    ("frame", "document_type", "last"),
    [
        (A8, "DECOMPTE_GENERAL_SIGNE", "MISE_EN_PAIEMENT"),
        (A22, "PROJET_DECOMPTE_GENERAL_PROCEDURE_TACITE", "PRISE_EN_COMPTE_MOA"),
        (A23, "DECOMPTE_GENERAL_DEFINITIF_TACITE", "MISE_EN_PAIEMENT"),
    ],
)
def test_general_statements_go_straight_to_the_moa(contractor, server, frame, document_type, last):  # noqa: F811
    answer = submit(contractor, number=f"DG-{frame[:3]}", frame=frame, ht=0.0)
    invoice_id = answer["identifiantFactureCPP"]
    assert answer["statutFacture"] == "TRANSMISE_MOA"
    facture = consult(contractor, invoice_id)
    assert facture["references"]["typeFactureTravaux"] == document_type
    assert facture["cadreDeFacturation"]["identifiantMoe"] == "85234567700011"
    # No MOE deadline nor MOE validation: the MOE does not hold it.
    assert "dateHeureLimiteTraitementMoe" not in (facture.get("suiviTravaux") or {})
    admin(server, "/invoices/advance", {"ids": [invoice_id], "steps": 10})
    statuses = history(contractor, invoice_id)
    assert statuses[:3] == ["DEPOSEE", "TRANSMISE_MOA", "MISE_A_DISPOSITION_MOA"]
    assert statuses[-1] == last
    assert "MISE_A_DISPOSITION_MOE" not in statuses
    assert "montantHtValideMoe" not in (consult(contractor, invoice_id).get("suiviTravaux") or {})


def test_general_statement_needs_the_moe_as_validator(contractor):  # noqa: F811
    error = contractor.error(SOUMETTRE, statement(contractor, frame=A8, validator=None))
    assert "codeStructureValideur" in error["libelle"]
