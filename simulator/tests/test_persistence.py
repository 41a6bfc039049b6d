"""SQLite persistence across a restart, thread safety, package hygiene."""

import pathlib
import re
import threading

from chorus_pro_simulator import Simulator
from fxutil import Client, facturx_pdf, make_zip

SEARCH = "/cpro/factures/v1/rechercher/fournisseur"


def test_state_survives_a_restart(tmp_path):
    path = tmp_path / "chorus.sqlite"
    sim = Simulator(state_path=str(path), flow_steps=0)
    with sim.serve() as server:
        client = Client(server.url)
        sim.add_structure("21930055000015", "Commune persistante", public=True)
        sim.add_service("21930055000015", "SRV", "Service persistant")
        numero, _ = client.deposit_and_integrate(
            make_zip(
                [
                    ("a.pdf", facturx_pdf(number="PERS-1")),
                    ("b.pdf", facturx_pdf(number="PERS-2", service=None)),
                ]
            ),
            name="lot.zip",
        )
        invoice_id = client.invoices_of_flow(numero)[0]["identifiantFactureCPP"]
        sim.set_invoice_status(invoice_id, "SUSPENDUE", comment="Piece manquante")
        sim.set_invoice_path("PERS-3", ["DEPOSEE", "A_RECYCLER"])
        pending = client.deposit(facturx_pdf(number="PERS-4"))
    sim.close()

    restarted = Simulator(state_path=str(path), flow_steps=0)
    with restarted.serve() as server:
        client = Client(server.url)
        report = client.report(numero)
        assert report["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
        assert len(report["listeErreurDP"]) == 1
        history = client.history(invoice_id)
        assert history["statutCourantCode"] == "SUSPENDUE"
        assert [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]] == [
            "DEPOSEE",
            "SUSPENDUE",
        ]
        assert restarted.structure_by_siret("21930055000015") is not None
        # A flow deposited before the restart is processed after it.
        assert client.report(pending)["etatCourantDepotFlux"] == "IN_INTEGRE"
        # Identifiers keep growing; the stored file is still downloadable.
        new_numero = client.deposit(facturx_pdf(number="PERS-3"))
        assert new_numero > pending
        client.report(new_numero)
        invoices = client.ok(SEARCH, {"numeroFacture": "PERS-3"})["listeFactures"]
        assert invoices[0]["identifiantFactureCPP"] > invoice_id
        restarted.advance_invoices([invoices[0]["identifiantFactureCPP"]])
        assert client.history(invoices[0]["identifiantFactureCPP"])["statutCourantCode"] == "A_RECYCLER"
        client.ok("/cpro/factures/v1/telecharger/groupe", {"listeFacture": [{"idFacture": invoice_id}]})
        # Duplicate detection uses the persisted invoices.
        _numero, report = client.deposit_and_integrate(facturx_pdf(number="PERS-1"))
        assert report["etatCourantDepotFlux"] == "IN_REJETE"
    restarted.reset()
    restarted.close()
    again = Simulator(state_path=str(path))
    assert again.state_summary()["flows"]["total"] == 0
    again.close()


def test_concurrent_deposits(sim, server):
    errors = []
    numbers = []
    lock = threading.Lock()

    def worker(index):
        try:
            client = Client(server.url)
            numero = client.deposit(facturx_pdf(number=f"T-{index}"))
            client.poll_until_terminal(numero)
            with lock:
                numbers.append(numero)
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(numbers)) == 8
    summary = sim.state_summary()
    assert summary["invoices"]["total"] == 8
    ids = [i["identifiantFactureCPP"] for i in summary["invoice_list"]]
    assert len(set(ids)) == 8


def test_no_odoo_import_in_the_package():
    package = pathlib.Path(__file__).resolve().parent.parent / "chorus_pro_simulator"
    for source in package.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+odoo\b", text, re.MULTILINE), source
