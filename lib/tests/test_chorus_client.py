"""Tests of the pure Chorus Pro client against the local simulator, over HTTP.

Nothing is mocked: every failure comes from the simulator (fault injection,
expired tokens, functional checks).
"""

import datetime
import inspect
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from chorus_pro_simulator.util import today as chorus_today

facturx = pytest.importorskip("facturx")
simulator_pkg = pytest.importorskip("chorus_pro_simulator")

from l10n_fr_chorus_pro.lib import chorus as cc  # noqa: E402

Simulator = simulator_pkg.Simulator

CLIENT_ID = "chorus-sim-client"
CLIENT_SECRET = "chorus-sim-secret"
LOGIN = "TECH_1_81234567600017@cpro.fr"
PASSWORD = "Chorus-Sim-2026"

SIRET_SUPPLIER = "81234567600017"
ID_SUPPLIER = 26311001
SIRET_QUALIF_SUPPLIER = "93125027408770"
SIRET_D93 = "22930008201453"
ID_D93 = 25493001
SIRET_SERVICE_REQUIRED = "12345678200028"
SIRET_EJ_REQUIRED = "12345678200036"
SIRET_EJ_OR_SERVICE = "12345678200044"
SIRET_NO_PARAM = "12345678200051"

TOKEN = "/api/oauth/token"
DEPOSIT = "/cpro/factures/v1/deposer/flux"
SEARCH = "/cpro/factures/v1/rechercher/fournisseur"
HISTORY = "/cpro/factures/v1/consulter/historique"
REPORT = "/cpro/transverses/v1/consulterCRDetaille"
ATTACH = "/cpro/transverses/v1/ajouter/fichier"
RATTACHEMENTS = "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements"
SERVICES = "/cpro/structures/v1/rechercher/services"


# ---------------------------------------------------------------------------
# Factur-X fixtures (built like simulator/tests/fxutil.py)
# ---------------------------------------------------------------------------


# The Factur-X fixtures of the simulator's own tests (simulator/tests/fxutil.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "simulator" / "tests"))
import fxutil  # noqa: E402

make_targz = fxutil.make_targz
base_pdf = fxutil.base_pdf


def facturx_pdf(number, **kwargs):
    """A Factur-X PDF of our supplier (technical account 1) to the Département 93."""
    kwargs.setdefault("ej", "EJ2026-000456")
    return fxutil.facturx_pdf(number=number, seller=SIRET_SUPPLIER, **kwargs)


# ---------------------------------------------------------------------------
# Simulator and client fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    # Servers get OS-assigned ports that may be reused between tests.
    cc.clear_token_cache()
    yield
    cc.clear_token_cache()


# Every test runs against the strict simulator and, when it offers it, against
# its production realism (as the real platform answers production clients).
REALISMS = ["strict", "production"] if "realism" in inspect.signature(Simulator).parameters else ["strict"]


@pytest.fixture(params=REALISMS)
def sim(request):
    options = {"flow_steps": 0, "fault_delay": 1.0}
    if request.param != "strict":
        options["realism"] = request.param
    simulator = Simulator(**options)
    yield simulator
    simulator.close()


@pytest.fixture
def server(sim):
    with sim.serve() as running:
        yield running


def make_client(server, **kwargs):
    options = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "login": LOGIN,
        "password": PASSWORD,
        "timeout": 5.0,
        "max_retries": 3,
        "backoff": 0.01,
    }
    options.update(kwargs)
    return cc.ChorusClient(server.url, server.token_url, **options)


@pytest.fixture
def client(server):
    with make_client(server) as instance:
        yield instance


def flows_total(sim):
    return sim.state_summary()["flows"]["total"]


def deposit_and_integrate(client, content, filename="facture.pdf"):
    answer = client.deposit_flow(content, filename)
    for _ in range(20):
        report = client.flow_report(answer["numeroFluxDepot"])
        if report["etatCourantDepotFlux"] in cc.FLOW_TERMINAL_STATUSES:
            return answer["numeroFluxDepot"], report
    raise AssertionError("the flow never became terminal")


def integrated_invoice(client, number):
    numero, report = deposit_and_integrate(client, facturx_pdf(number))
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE", report
    (invoice,) = client.search_invoices(numeroFluxDepot=numero)
    return invoice["identifiantFactureCPP"]


# ---------------------------------------------------------------------------
# Constants and helpers
# ---------------------------------------------------------------------------


def test_environments():
    assert cc.PRODUCTION.api_url == "https://api.piste.gouv.fr"
    assert cc.PRODUCTION.token_url == "https://oauth.piste.gouv.fr/api/oauth/token"
    assert cc.QUALIFICATION.api_url == "https://sandbox-api.piste.gouv.fr"
    assert cc.QUALIFICATION.token_url == "https://sandbox-oauth.piste.gouv.fr/api/oauth/token"
    custom = cc.ChorusEnvironment.custom("http://127.0.0.1:8090/")
    assert custom.api_url == "http://127.0.0.1:8090"
    assert custom.token_url == "http://127.0.0.1:8090/api/oauth/token"
    assert cc.SYNTAX_FACTURX == "IN_DP_E2_CII_FACTURX"
    assert cc.FLOW_TERMINAL_STATUSES == {"IN_INTEGRE", "IN_INTEGRE_PARTIEL", "IN_REJETE", "IN_INCIDENTE"}
    assert "MISE_EN_PAIEMENT" in cc.INVOICE_TERMINAL_STATUSES
    assert "SUSPENDUE" not in cc.INVOICE_TERMINAL_STATUSES
    assert cc.FLOW_IN_PROGRESS_STATUSES == {
        "IN_RECU",
        "IN_TRAITE_SE_CPP",
        "IN_EN_ATTENTE_TRAITEMENT_CPP",
        "IN_EN_COURS_TRAITEMENT_CPP",
        "IN_EN_ATTENTE_RETRAITEMENT_CPP",
    }
    assert cc.INVOICE_PROBLEM_STATUSES == {"REJETEE", "SUSPENDUE", "A_RECYCLER"}


def test_statuses_agree_with_the_simulator():
    """The simulator, installable on its own, keeps its own copy of the statuses and
    billing frames: both copies say the same."""
    sim = simulator_pkg.constants
    flow_codes = {code for code, _label in cc.FLOW_STATUSES}
    assert flow_codes - cc.FLOW_QP_STATUSES == set(sim.FLOW_STATUSES)
    assert cc.FLOW_TERMINAL_STATUSES == set(sim.FLOW_TERMINAL_STATUSES)
    invoice_codes = [code for code, _label in cc.INVOICE_STATUSES]
    assert invoice_codes == [code for code in sim.INVOICE_STATUSES if code != "BROUILLON"]
    assert cc.INVOICE_TERMINAL_STATUSES == set(sim.INVOICE_TERMINAL_STATUSES)
    assert cc.INVOICE_ACTION_STATUSES == set(sim.INVOICE_BLOCKING_STATUSES)
    assert set(cc.INVOICE_PAYMENT_STATUSES) <= set(invoice_codes)
    assert cc.BILLING_FRAME_API_CODES == sim.CADRES
    assert {code for code, _label in cc.BILLING_FRAMES} <= set(sim.CADRES)


def test_parse_chorus_datetime():
    parse = cc.parse_chorus_datetime
    assert parse("2016-10-25") == datetime.datetime(2016, 10, 25)
    assert parse("2016-10-25 17:42") == datetime.datetime(2016, 10, 25, 17, 42)
    aware = parse("2018-02-16T15:10:25.536+01:00")
    assert aware.utcoffset() == datetime.timedelta(hours=1)
    assert (aware.hour, aware.microsecond) == (15, 536000)
    assert parse("2018-02-16T14:10:25Z").utcoffset() == datetime.timedelta(0)
    assert parse(None) is None and parse("") is None
    assert cc.parse_chorus_date("2050-12-31 00:00") == datetime.date(2050, 12, 31)
    with pytest.raises(ValueError):
        parse("not a date")


def test_as_list_and_siret_normalisation():
    # The official example prints listeErreurDP as one object (reference §5.2).
    single = {"numeroDP": "F1", "libelleErreurDP": "x"}
    assert cc.as_list(single) == [single]
    assert cc.as_list([single]) == [single]
    assert cc.as_list(None) == []
    assert cc.normalize_siret(99999999999999) == "99999999999999"
    assert cc.normalize_siret(1234567800011) == "01234567800011"


# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------


def test_token_is_cached_process_wide(sim, server, client):
    client.my_structures()
    client.my_structures()
    assert sim.calls[TOKEN] == 1
    assert client.calls == {TOKEN: 1, RATTACHEMENTS: 2}
    assert client.call_count == 3
    # Another client with the same PISTE application reuses the token.
    with make_client(server) as other:
        other.my_structures()
        assert other.calls[TOKEN] == 0
    assert sim.calls[TOKEN] == 1
    # Another PISTE secret is another cache entry (and is refused).
    with make_client(server, client_secret="other") as other, pytest.raises(cc.ChorusAuthError):
        other.my_structures()
    assert sim.calls[TOKEN] == 2


def test_token_cache_is_thread_safe(sim, server):
    errors = []

    def work():
        try:
            with make_client(server) as instance:
                instance.my_structures()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sim.calls[TOKEN] == 1
    assert sim.calls[RATTACHEMENTS] == 8


def test_token_expiry_mid_run_is_renewed_once(sim, client):
    client.my_structures()
    sim.expire_tokens()
    structures = client.my_structures()
    assert len(structures) == 2
    assert sim.calls[TOKEN] == 2
    assert sim.calls[RATTACHEMENTS] == 3  # 1 + the refused call + exactly one retry
    client.my_structures()
    assert sim.calls[TOKEN] == 2  # the new token is cached


def test_token_expired_fault_on_a_deposit_is_retried_once(sim, client):
    # A 401 proves the call was not processed: even a deposit is re-sent.
    client.my_structures()
    sim.inject_fault(DEPOSIT, "token_expired")
    answer = client.deposit_flow(facturx_pdf("AUTH-1"), "facture.pdf")
    assert answer["numeroFluxDepot"]
    assert sim.calls[DEPOSIT] == 2
    assert sim.calls[TOKEN] == 2
    assert flows_total(sim) == 1


def test_second_401_raises_auth_error(sim, client):
    sim.inject_fault(RATTACHEMENTS, "token_expired", count=5)
    with pytest.raises(cc.ChorusAuthError) as info:
        client.my_structures()
    assert info.value.http_status == 401
    assert info.value.endpoint == RATTACHEMENTS
    assert "expired" in info.value.libelle
    assert sim.calls[RATTACHEMENTS] == 2  # one retry only
    assert sim.calls[TOKEN] == 2


def test_invalid_piste_secret(sim, server):
    with make_client(server, client_secret="wrong-secret") as bad:
        with pytest.raises(cc.ChorusAuthError) as info:
            bad.test_connection()
    error = info.value
    assert error.http_status == 401
    assert error.endpoint == TOKEN
    assert "Client authentication failed" in error.libelle
    assert "Client authentication failed" in str(error)
    assert sim.calls[TOKEN] == 1  # an auth refusal is not retried
    assert RATTACHEMENTS not in sim.calls


def test_invalid_technical_password(sim, server):
    with make_client(server, password="wrong") as bad, pytest.raises(cc.ChorusAuthError) as info:
        bad.test_connection()
    error = info.value
    assert error.http_status == 401
    assert error.code_retour == 10002
    assert "mot de passe incorrect" in error.libelle
    assert error.endpoint == RATTACHEMENTS


def test_headers_and_connection_test(sim, client):
    structures = client.test_connection()
    assert sorted(s["identifiantStructure"] for s in structures) == [SIRET_SUPPLIER, SIRET_QUALIF_SUPPLIER]
    assert {s["idStructure"] for s in structures} >= {ID_SUPPLIER}
    health = client.health_check()
    assert health["statusCodeValue"] == 200


# ---------------------------------------------------------------------------
# Directory
# ---------------------------------------------------------------------------


def test_directory_entry_department_93(sim, client):
    entry = client.get_directory_entry(SIRET_D93)
    assert entry["idStructureCPP"] == ID_D93
    assert entry["siret"] == SIRET_D93
    assert entry["name"] == "Département de la Seine-Saint-Denis"
    assert entry["active"] is True
    assert entry["public"] is True
    assert entry["service_required"] is True
    assert entry["engagement_required"] is True
    assert entry["engagement_or_service"] is False
    assert entry["payment_status_not_reported"] is False
    assert entry["address"] == {
        "street": "Hôtel du Département",
        "street2": "1 esplanade Jean-Moulin",
        "zip": "93006",
        "city": "Bobigny Cedex",
        "country": "FR",
    }
    codes = {s["code"]: s for s in entry["services"]}
    assert set(codes) == {"538", "125", "218", "132", "131"}  # no FACTURES_PUBLIQUES
    pmi = codes["132"]
    assert pmi["idService"] == 35493132
    assert pmi["name"] == "PMI"
    assert pmi["active"] is True
    assert pmi["date_start"] == datetime.date(2020, 1, 1)
    assert pmi["date_end"] == datetime.date(2050, 12, 31)
    assert pmi["engagement_required"] is False
    assert pmi["address"]["zip"] == "93006"  # adressePostale of consulter/service
    # consulter/service was called for the 5 services only.
    assert sim.calls["/cpro/structures/v1/consulter/service"] == 5


@pytest.mark.parametrize(
    "siret,flags,services",
    [
        (SIRET_SERVICE_REQUIRED, (True, False, False), {"SERVICE_DEST_SERV_OBL"}),
        (SIRET_EJ_REQUIRED, (False, True, False), set()),
        (SIRET_EJ_OR_SERVICE, (False, False, True), {"SERVICE_DEST_EJ_OU_SERV_OBL"}),
        (SIRET_NO_PARAM, (False, False, False), set()),
    ],
)
def test_directory_entry_qualification_structures(client, siret, flags, services):
    entry = client.get_directory_entry(siret)
    assert entry["siret"] == siret
    assert (entry["service_required"], entry["engagement_required"], entry["engagement_or_service"]) == flags
    assert {s["code"] for s in entry["services"]} == services


def test_directory_entry_all_service_pages_and_service_flags(sim, client):
    sim.add_structure("11122233300015", "Commune de test", payment_status_not_reported=True)
    for number in range(11):
        sim.add_service("11122233300015", f"SVC{number:02d}", f"Service {number}")
    sim.add_service(
        "11122233300015",
        "EJSVC",
        "Service with EJ",
        ej_required=True,
        valid_from="2024-01-01",
        valid_to="2026-12-31",
    )
    sim.add_service("11122233300015", "OLD", "Closed service", active=False)
    entry = client.get_directory_entry("11122233300015")
    assert entry["payment_status_not_reported"] is True
    assert len(entry["services"]) == 13  # over two pages of 10
    assert sim.calls[SERVICES] == 2
    by_code = {s["code"]: s for s in entry["services"]}
    assert by_code["EJSVC"]["engagement_required"] is True
    assert by_code["EJSVC"]["date_start"] == datetime.date(2024, 1, 1)
    assert by_code["EJSVC"]["date_end"] == datetime.date(2026, 12, 31)
    assert by_code["OLD"]["active"] is False
    assert by_code["SVC00"]["engagement_required"] is False


def test_directory_entry_university_address_and_service_without_details(client):
    entry = client.get_directory_entry("13001533200013", service_details=False)
    assert entry["address"] == {
        "street": "Jardin du Pharo, 58 boulevard Charles Livon",
        "street2": "",
        "zip": "13007",
        "city": "Marseille",
        "country": "FR",
    }


def test_postal_address_of_partial_answers():
    assert cc.postal_address(None) == dict.fromkeys(("street", "street2", "zip", "city", "country"), "")
    assert cc.postal_address(
        {"adresse": "  1  rue X ", "complementAdresse2": "BP 3", "codePostal": 75001, "ville": "Paris"}
    ) == {"street": "1 rue X", "street2": "BP 3", "zip": "75001", "city": "Paris", "country": ""}


def test_unknown_siret(client):
    assert client.search_structure("99999999999999") is None
    assert client.get_directory_entry("99999999999999") is None


def test_search_structure_and_engagement(client):
    structure = client.search_structure(SIRET_D93)
    assert structure["idStructureCPP"] == ID_D93
    assert structure["identifiantStructure"] == SIRET_D93
    (engagement,) = client.search_engagement("EJ2026-000456", ID_SUPPLIER)
    assert engagement["numeroEngagementJuridique"] == "EJ2026-000456"
    assert client.search_engagement("EJ-UNKNOWN", ID_SUPPLIER) == []


# ---------------------------------------------------------------------------
# Functional errors
# ---------------------------------------------------------------------------


def test_unknown_structure_is_a_functional_error(client):
    with pytest.raises(cc.ChorusFunctionalError) as info:
        client.get_structure(99999999)
    error = info.value
    assert error.http_status == 400
    assert error.code_retour == 20016
    assert "inconnue" in error.libelle
    assert error.endpoint == "/cpro/structures/v1/consulter"
    assert not isinstance(error, cc.ChorusTransientError)


def test_bad_syntax_is_a_functional_error(sim, client):
    with pytest.raises(cc.ChorusFunctionalError) as info:
        client.deposit_flow(facturx_pdf("SYN-1"), "facture.pdf", syntax="IN_DP_BOGUS")
    assert info.value.code_retour == 20002
    assert info.value.endpoint == DEPOSIT
    assert flows_total(sim) == 0


def test_unknown_flow_is_a_functional_error(client):
    with pytest.raises(cc.ChorusFunctionalError) as info:
        client.flow_report("CPP0011110000000000099999")
    assert info.value.code_retour == 20011


# ---------------------------------------------------------------------------
# Deposit, flow report, invoices
# ---------------------------------------------------------------------------


def test_deposit_flow_report_progression_and_invoice(sim, client):
    sim.configure(flow_steps=3)
    answer = client.deposit_flow(facturx_pdf("PROG-1"), "facture.pdf")
    numero = answer["numeroFluxDepot"]
    assert numero.startswith("CPP")
    assert cc.parse_chorus_date(answer["dateDepot"]) == chorus_today()
    seen = []
    for _ in range(10):
        report = client.flow_report(numero)
        seen.append(report["etatCourantDepotFlux"])
        assert isinstance(report["listeErreurDP"], list)
        assert isinstance(report["listeErreurTechnique"], list)
        if report["etatCourantDepotFlux"] in cc.FLOW_TERMINAL_STATUSES:
            break
    assert seen == ["IN_RECU", "IN_EN_ATTENTE_TRAITEMENT_CPP", "IN_EN_COURS_TRAITEMENT_CPP", "IN_INTEGRE"]
    assert report["listeErreurDP"] == []
    pdf = client.flow_report_pdf(numero)
    assert pdf.startswith(b"%PDF")
    (invoice,) = client.search_invoices(numeroFluxDepot=numero)
    assert invoice["numeroFacture"] == "PROG-1"
    assert invoice["statut"] == "DEPOSEE"
    invoice_id = invoice["identifiantFactureCPP"]
    history = client.invoice_history(invoice_id)
    assert history["statutCourantCode"] == "DEPOSEE"
    assert [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]] == ["DEPOSEE"]
    sim.advance_invoices([invoice_id], steps=2)
    history = client.invoice_history(invoice_id)
    assert [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]] == [
        "DEPOSEE",
        "MISE_A_DISPOSITION",
        "SERVICE_FAIT",
    ]
    detail = client.invoice_detail(invoice_id)
    assert detail["numeroFacture"] == "PROG-1"
    assert detail["destinataire"]["codeDestinataire"] == SIRET_D93
    assert client.download_invoices([invoice_id]).startswith(b"%PDF")
    found = client.search_invoices(statutCourant=["SERVICE_FAIT"])
    assert [i["identifiantFactureCPP"] for i in found] == [invoice_id]
    today = chorus_today().isoformat()
    assert len(client.search_invoices(periodeDateHeureEtatCourantDu=today)) == 1


def test_batch_flow_of_25_invoices_all_pages(sim, server, client):
    numbers = [f"LOT-{i:03d}" for i in range(25)]
    archive = make_targz([(f"{n}.pdf", facturx_pdf(n)) for n in numbers])
    numero, report = deposit_and_integrate(client, archive, "lot_factures.tar.gz")
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE", report
    sim.reset_calls()
    invoices = client.search_invoices(numeroFluxDepot=numero)
    assert sorted(i["numeroFacture"] for i in invoices) == numbers
    assert len({i["identifiantFactureCPP"] for i in invoices}) == 25
    assert sim.calls[SEARCH] == 3  # pages of 10, 10 and 5
    (one,) = client.search_invoices(numeroFacture="LOT-007")
    history = client.invoice_history(one["identifiantFactureCPP"])
    assert history["numeroFacture"] == "LOT-007"
    assert history["statutCourantCode"] == "DEPOSEE"
    # A bigger page size is honoured in one call.
    with make_client(server, page_size=50) as big:
        assert len(big.search_invoices(numeroFluxDepot=numero)) == 25
        assert big.calls[SEARCH] == 1


def test_partially_integrated_flow_lists_rejected_invoices(client):
    archive = make_targz(
        [
            ("ok.pdf", facturx_pdf("PART-OK")),
            ("ko.pdf", facturx_pdf("PART-KO", buyer="99999999999999")),
        ]
    )
    numero, report = deposit_and_integrate(client, archive, "lot.tar.gz")
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    (error,) = report["listeErreurDP"]
    assert error["numeroDP"] == "PART-KO"
    assert [i["numeroFacture"] for i in client.search_invoices(numeroFluxDepot=numero)] == ["PART-OK"]


# ---------------------------------------------------------------------------
# Retries of idempotent calls
# ---------------------------------------------------------------------------


def test_503_twice_then_success(sim, client):
    client.my_structures()
    sim.inject_fault(SEARCH, "http_503", count=2, retry_after=0)
    assert client.search_invoices(numeroFacture="NONE") == []
    assert sim.calls[SEARCH] == 3
    assert client.calls[SEARCH] == 3
    assert [r["reason"] for r in client.retries] == ["HTTP 503", "HTTP 503"]


def test_429_retry_after_is_honoured_and_capped(sim, client):
    client.my_structures()
    sim.inject_fault(SEARCH, "http_429", count=1, retry_after=1)
    assert client.search_invoices() == []
    assert sim.calls[SEARCH] == 2
    (retry,) = client.retries
    assert retry["reason"] == "HTTP 429"
    assert retry["delay"] == 1.0  # Retry-After, not the 0.01 s backoff
    client.retries.clear()
    client.max_retry_after = 0.05
    sim.inject_fault(SEARCH, "http_429", count=1, retry_after=3600)
    client.search_invoices()
    assert client.retries[0]["delay"] == 0.05


def test_exponential_backoff_without_retry_after(sim, client):
    client.my_structures()
    sim.inject_fault(SEARCH, "http_500", count=3)
    client.search_invoices()
    assert [r["delay"] for r in client.retries] == [0.01, 0.02, 0.04]


def test_too_many_500_raise_transient_error(sim, server):
    with make_client(server, max_retries=2) as client:
        client.my_structures()
        sim.inject_fault(SEARCH, "http_500", count=10)
        with pytest.raises(cc.ChorusTransientError) as info:
            client.search_invoices()
    error = info.value
    assert not isinstance(error, cc.ChorusUncertainError)
    assert error.http_status == 500
    assert error.code_retour == 99999
    assert error.endpoint == SEARCH
    assert sim.calls[SEARCH] == 3  # 1 + 2 retries
    sim.clear_faults()


def test_timeout_and_drop_on_idempotent_calls_are_retried(sim, server):
    with make_client(server, timeout=0.3) as client:
        client.my_structures()
        sim.inject_fault(SEARCH, "timeout", delay=2)
        assert client.search_invoices() == []
        sim.inject_fault(SEARCH, "drop")
        assert client.search_invoices() == []
    assert sim.calls[SEARCH] == 4
    assert [r["reason"] for r in client.retries] == ["ReadTimeout", "ConnectionError"]


def test_token_endpoint_errors_are_retried(sim, client):
    sim.inject_fault(TOKEN, "http_503", retry_after=0)
    client.my_structures()
    assert sim.calls[TOKEN] == 2


# ---------------------------------------------------------------------------
# Non-idempotent calls: never retried once sent
# ---------------------------------------------------------------------------


def test_deposit_with_500_is_uncertain_and_not_retried(sim, client):
    client.my_structures()
    sim.inject_fault(DEPOSIT, "http_500", count=3)
    with pytest.raises(cc.ChorusUncertainError) as info:
        client.deposit_flow(facturx_pdf("U-500"), "facture.pdf")
    assert isinstance(info.value, cc.ChorusTransientError)
    assert info.value.http_status == 500
    assert sim.calls[DEPOSIT] == 1
    assert client.retries == []
    sim.clear_faults()


def test_deposit_with_429_is_not_uncertain(sim, server):
    # A Retry-After beyond the waiting budget: no wait, a definite "not processed".
    with make_client(server, max_total_wait=1.0) as client:
        client.my_structures()
        sim.inject_fault(DEPOSIT, "http_429", retry_after=5)
        with pytest.raises(cc.ChorusRateLimitError) as info:
            client.deposit_flow(facturx_pdf("U-429"), "facture.pdf")
        assert client.retries == []
    assert isinstance(info.value, cc.ChorusTransientError)
    assert not isinstance(info.value, cc.ChorusUncertainError)
    assert info.value.retry_after == 5.0
    assert info.value.http_status == 429
    assert "not processed" in str(info.value)
    assert sim.calls[DEPOSIT] == 1
    assert flows_total(sim) == 0


def test_deposit_with_429_waits_as_told_and_is_sent_once(sim, client):
    client.my_structures()
    sim.inject_fault(DEPOSIT, "http_429", retry_after=1)
    started = time.monotonic()
    answer = client.deposit_flow(facturx_pdf("W-429"), "facture.pdf")
    assert time.monotonic() - started >= 1.0
    assert answer["numeroFluxDepot"]
    (retry,) = client.retries
    assert (retry["reason"], retry["delay"]) == ("HTTP 429", 1.0)
    assert sim.calls[DEPOSIT] == 2  # the refused one + the processed one
    assert flows_total(sim) == 1


def test_deposit_process_then_drop_is_uncertain_and_recoverable(sim, client):
    client.my_structures()
    sim.inject_fault(DEPOSIT, "process_then_drop")
    with pytest.raises(cc.ChorusUncertainError) as info:
        client.deposit_flow(facturx_pdf("LOST-1"), "facture.pdf")
    assert info.value.http_status is None
    assert sim.calls[DEPOSIT] == 1
    assert flows_total(sim) == 1  # the flow WAS deposited
    # Recovery: once Chorus Pro has integrated it, the invoice number is found.
    sim.advance_flows(to_terminal=True)
    (found,) = client.search_invoices(numeroFacture="LOST-1")
    assert found["numeroFluxDepot"] == sim.state_summary()["flow_list"][0]["numeroFluxDepot"]


def test_deposit_process_then_timeout_is_uncertain(sim, server):
    with make_client(server, timeout=0.3) as client:
        client.my_structures()
        sim.inject_fault(DEPOSIT, "process_then_timeout", delay=2)
        with pytest.raises(cc.ChorusUncertainError):
            client.deposit_flow(facturx_pdf("LOST-2"), "facture.pdf")
        assert client.calls[DEPOSIT] == 1
    # The server processed the call before stalling (the loop only bounds the wait).
    deadline = time.monotonic() + 10
    while flows_total(sim) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert flows_total(sim) == 1
    assert sim.calls[DEPOSIT] == 1


def test_deposit_to_a_closed_port_is_retried_and_not_uncertain(sim, server):
    # The token comes from the simulator; the API URL points at a closed port,
    # so the connection is refused: the request provably never left.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    client = cc.ChorusClient(
        f"http://127.0.0.1:{dead_port}",
        server.token_url,
        CLIENT_ID,
        CLIENT_SECRET,
        LOGIN,
        PASSWORD,
        timeout=2,
        max_retries=2,
        backoff=0.01,
    )
    with client, pytest.raises(cc.ChorusTransientError) as info:
        client.deposit_flow(facturx_pdf("DEAD-1"), "facture.pdf")
    assert not isinstance(info.value, cc.ChorusUncertainError)
    assert client.calls[DEPOSIT] == 3


# ---------------------------------------------------------------------------
# Attachments, completer, recycler
# ---------------------------------------------------------------------------


def test_attachment_local_checks(sim, client):
    name_51 = "a" * 47 + ".pdf"
    assert len(name_51) == 51
    with pytest.raises(cc.ChorusAttachmentError) as info:
        client.upload_attachment(name_51, b"%PDF-1.4", "application/pdf")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, cc.ChorusFunctionalError)
    assert "51" in info.value.libelle
    with pytest.raises(cc.ChorusAttachmentError):
        client.upload_attachment("virus.exe", b"MZ", "application/octet-stream")
    with pytest.raises(cc.ChorusAttachmentError):
        client.upload_attachment("noextension", b"x", "text/plain")
    with pytest.raises(cc.ChorusAttachmentError):
        client.upload_attachment("big.pdf", b"0" * (cc.MAX_ATTACHMENT_SIZE + 1), "application/pdf")
    with pytest.raises(cc.ChorusAttachmentError):
        client.upload_attachment("empty.pdf", b"", "application/pdf")
    assert ATTACH not in sim.calls and client.call_count == 0  # nothing was sent
    name_50 = "b" * 46 + ".pdf"
    attachment_id = client.upload_attachment(name_50, b"%PDF-1.4 test", "application/pdf")
    assert isinstance(attachment_id, int)
    assert "PDF" in cc.ALLOWED_ATTACHMENT_EXTENSIONS and cc.MAX_ATTACHMENT_NAME == 50


def test_upload_and_complete_a_suspended_invoice(sim, client):
    invoice_id = integrated_invoice(client, "SUSP-1")
    with pytest.raises(cc.ChorusFunctionalError) as info:  # not SUSPENDUE yet
        client.complete_invoice(invoice_id, "Trop tot")
    assert info.value.code_retour == 20013
    sim.set_invoice_status(invoice_id, "SUSPENDUE", comment="Bon de livraison manquant")
    history = client.invoice_history(invoice_id)
    assert history["statutCourantCode"] == "SUSPENDUE"
    assert history["historiquesDesStatuts"]["histoStatut"][-1]["histoStatutCommentaire"] == (
        "Bon de livraison manquant"
    )
    attachment_id = client.upload_attachment("bon_livraison.pdf", base_pdf(), "application/pdf")
    answer = client.complete_invoice(invoice_id, "Voici le bon de livraison", attachment_ids=[attachment_id])
    assert answer["identifiantFactureCPP"] == invoice_id
    assert client.invoice_history(invoice_id)["statutCourantCode"] == "COMPLETEE"
    pieces = client.invoice_detail(invoice_id)["listeDesPiecesJointes"]["pieceJointe"]
    assert [p["pieceJointeId"] for p in pieces] == [attachment_id]


def test_upload_is_not_retried(sim, client):
    client.my_structures()
    sim.inject_fault(ATTACH, "drop")
    with pytest.raises(cc.ChorusUncertainError):
        client.upload_attachment("piece.pdf", base_pdf(), "application/pdf")
    assert sim.calls[ATTACH] == 1


def test_recycle_an_invoice_to_recycle(sim, client):
    invoice_id = integrated_invoice(client, "REC-1")
    sim.set_invoice_status(invoice_id, "A_RECYCLER", comment="Mauvais service")
    with pytest.raises(cc.ChorusFunctionalError) as info:
        client.recycle_invoice(invoice_id, SIRET_D93, service_code="FACTURES_PUBLIQUES")
    assert info.value.code_retour == 20014
    answer = client.recycle_invoice(invoice_id, SIRET_D93, service_code="125", comment="Service corrige")
    assert answer["statutFacture"] == "DEPOSEE"
    history = client.invoice_history(invoice_id)
    assert [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]] == [
        "DEPOSEE",
        "A_RECYCLER",
        "DEPOSEE",
    ]
    (invoice,) = client.search_invoices(numeroFacture="REC-1")
    assert invoice["codeServiceExecutant"] == "125"
