"""The pure Chorus Pro client facing what the real platform answers.

Two servers, both over real HTTP, nothing mocked:

* a tiny scripted ``http.server`` stub (``Stub``) that answers each call as a
  test tells it to - the behaviours production clients show (no-result codes,
  top-level paging, 429 + Retry-After, 502/504 HTML pages, 403 from the PISTE
  gateway, tokens dying early) - and records what the client sent;
* the project's simulator, in both realisms when it offers
  ``Simulator(realism="production")`` (skipped otherwise).
"""

import base64
import datetime
import email.utils
import inspect
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from l10n_fr_chorus_pro.lib import chorus as cc
from l10n_fr_chorus_pro.lib.chorus import transport

TOKEN = "/api/oauth/token"
DEPOSIT = cc.P_DEPOSIT
DEPOSIT_PDF = cc.P_DEPOSIT_PDF
SUBMIT = cc.P_SUBMIT
SEARCH = cc.P_SEARCH_INVOICES
STRUCTURE_SEARCH = cc.P_SEARCH_STRUCTURE
STRUCTURE = cc.P_GET_STRUCTURE
SERVICES = cc.P_SEARCH_SERVICES
SERVICE = cc.P_GET_SERVICE
ENGAGEMENT = cc.P_SEARCH_ENGAGEMENT
RATTACHEMENTS = cc.P_MY_STRUCTURES
REPORT = cc.P_FLOW_REPORT
VAT = cc.P_VAT_RATES
HEALTH = cc.P_HEALTH

NO_RESULT = {"codeRetour": 20000, "libelle": "TRA_MSG_00.015 - La recherche n'a retourné aucun résultat"}
GATEWAY_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
GATEWAY_504 = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)


# ---------------------------------------------------------------------------
# The scripted stub
# ---------------------------------------------------------------------------


def ok(**fields):
    return {"codeRetour": 0, "libelle": cc.SUCCESS_LIBELLE, **fields}


class Stub:
    """A local HTTP server answering from per-path scripts.

    ``script(path, *answers)``: the answers of the next calls of ``path``, in
    order (the last one repeats). An answer is a dict (HTTP 200 JSON), a
    callable ``(body, n) -> answer`` (``n``: 1-based call number), or a
    tuple ``(status, body, headers)`` where ``body`` is a dict (JSON) or a
    str (sent as ``text/html``).
    """

    def __init__(self):
        self.scripts = {}
        self.requests = []  # (path, headers dict, decoded JSON body or form text)
        self.counts = {}
        self.tokens_issued = 0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                status, body, headers = stub.answer(path, self.headers, raw)
                if isinstance(body, str):
                    data = body.encode("utf-8")
                    ctype = "text/html"
                else:
                    data = json.dumps(body).encode("utf-8")
                    ctype = "application/json;charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_POST = _handle
            do_GET = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.token_url = self.url + TOKEN
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def script(self, path, *answers):
        with self.lock:
            self.scripts[path] = list(answers)
            self.counts[path] = 0

    def calls(self, path):
        return sum(1 for p, _h, _b in self.requests if p == path)

    def bodies(self, path):
        return [b for p, _h, b in self.requests if p == path]

    def answer(self, path, headers, raw):
        with self.lock:
            try:
                body = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            self.requests.append((path, dict(headers), body))
            self.counts[path] = self.counts.get(path, 0) + 1
            n = self.counts[path]
            if path == TOKEN and path not in self.scripts:
                self.tokens_issued += 1
                return (
                    200,
                    {
                        "access_token": f"token-{self.tokens_issued}",
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "scope": "openid",
                    },
                    {},
                )
            answers = self.scripts.get(path)
            if not answers:
                return 404, {"codeRetour": 404, "libelle": f"no script for {path}"}, {}
            answer = answers[min(n, len(answers)) - 1]
        if callable(answer):
            answer = answer(body, n)
        if isinstance(answer, tuple):
            status, payload, extra = (answer + ({},))[:3]
            return status, payload, extra
        return 200, answer, {}


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    cc.clear_token_cache()
    yield
    cc.clear_token_cache()


@pytest.fixture
def stub():
    server = Stub()
    yield server
    server.close()


def make_client(server, **kwargs):
    options = {
        "client_id": "piste-id",
        "client_secret": "piste-secret",
        "login": "TECH_1_81234567600017@cpro.fr",
        "password": "secret",
        "timeout": 5.0,
        "max_retries": 3,
        "backoff": 0.01,
    }
    options.update(kwargs)
    return cc.ChorusClient(server.url, server.token_url, **options)


@pytest.fixture
def client(stub):
    with make_client(stub) as instance:
        yield instance


def invoices(start, count):
    return [
        {"identifiantFactureCPP": 1000 + i, "numeroFacture": f"F-{i:03d}", "statut": "DEPOSEE"}
        for i in range(start, start + count)
    ]


def top_level_pages(items, size=10):
    """Answers paged at the top level, as the recipient search does (§13)."""
    pages = max(1, -(-len(items) // size))

    def answer(body, _n):
        page = body["rechercheFactureParFournisseur"]["pageResultatDemandee"]
        chunk = items[(page - 1) * size : page * size]
        return ok(
            listeFactures=chunk, pageCourante=page, pages=pages, nbResultatsParPage=size, total=len(items)
        )

    return answer


# ---------------------------------------------------------------------------
# 1. "No result" codes: an empty result on searches only
# ---------------------------------------------------------------------------


def test_no_result_code_on_every_search_is_an_empty_result(stub, client):
    for path in (SEARCH, STRUCTURE_SEARCH, SERVICES, ENGAGEMENT, RATTACHEMENTS):
        stub.script(path, NO_RESULT)
    assert client.search_invoices(numeroFacture="NEVER-SENT") == []
    assert client.search_structure("99999999999999") is None
    assert client.search_services(25493001) == []
    assert client.search_engagement("EJ-UNKNOWN", 26311001) == []
    assert client.my_structures() == []
    assert client.get_directory_entry("99999999999999") is None
    for path in (SEARCH, SERVICES, ENGAGEMENT, RATTACHEMENTS):
        assert stub.calls(path) == 1  # one call, no retry, no second page


def test_works_search_no_result_code_20007(stub, client):
    stub.script(
        SEARCH, {"codeRetour": 20007, "libelle": "GFT_MSG_01.075 - La recherche n'a retourné aucun résultat"}
    )
    assert client.search_invoices(numeroFacture="X") == []
    assert set(cc.NO_RESULT_CODES) == {20000, 20007}


def test_no_result_code_on_a_non_search_call_stays_an_error(stub, client):
    stub.script(REPORT, NO_RESULT)
    stub.script(STRUCTURE, NO_RESULT)
    stub.script(DEPOSIT, NO_RESULT)
    with pytest.raises(cc.ChorusFunctionalError) as info:
        client.flow_report("CPP0011110000000000000001")
    assert info.value.code_retour == 20000
    assert "TRA_MSG_00.015" in str(info.value)
    with pytest.raises(cc.ChorusFunctionalError):
        client.get_structure(25493001)
    with pytest.raises(cc.ChorusFunctionalError):
        client.deposit_flow(b"%PDF-1.7 x", "f.pdf")
    assert stub.calls(DEPOSIT) == 1


def test_other_codes_on_searches_stay_errors(stub, client):
    # Another non-zero code on HTTP 200, and the no-result code on HTTP 400
    # (the strict simulator's "body is not JSON"): errors, never "nothing found".
    stub.script(
        SEARCH,
        {"codeRetour": 20001, "libelle": "GDP_MSG_11.022 autre erreur"},
        (400, {"codeRetour": 20000, "libelle": "Corps de requête JSON invalide"}),
    )
    with pytest.raises(cc.ChorusFunctionalError) as info:
        client.search_invoices(numeroFacture="A")
    assert info.value.code_retour == 20001
    with pytest.raises(cc.ChorusFunctionalError) as info:
        client.search_invoices(numeroFacture="A")
    assert (info.value.http_status, info.value.code_retour) == (400, 20000)


# ---------------------------------------------------------------------------
# 2. Paging: both forms, never a partial list as complete
# ---------------------------------------------------------------------------


def test_top_level_paging_reads_every_page(stub, client):
    items = invoices(0, 25)
    stub.script(SEARCH, top_level_pages(items))
    found = client.search_invoices(numeroFluxDepot="CPP001")
    assert [i["numeroFacture"] for i in found] == [i["numeroFacture"] for i in items]
    assert stub.calls(SEARCH) == 3
    pages = [b["rechercheFactureParFournisseur"]["pageResultatDemandee"] for b in stub.bodies(SEARCH)]
    assert pages == [1, 2, 3]
    assert all(b["numeroFluxDepot"] == "CPP001" for b in stub.bodies(SEARCH))


def test_parametres_retour_paging_reads_every_page(stub, client):
    items = invoices(0, 13)

    def answer(body, _n):
        page = body["parametres"]["pageResultatDemandee"]
        return ok(
            listeStructures=[
                {
                    "idStructureCPP": i["identifiantFactureCPP"],
                    "identifiantStructure": "11122233300015",
                    "statut": "INACTIVE",
                }
                for i in items[(page - 1) * 10 : page * 10]
            ],
            parametresRetour={"pageCourante": page, "pages": 2, "nbResultatsParPage": 10, "total": 13},
        )

    stub.script(STRUCTURE_SEARCH, answer)
    found = client.search_structure("11122233300015")
    assert found["idStructureCPP"] == 1000
    assert stub.calls(STRUCTURE_SEARCH) == 2


def test_larger_page_size_than_the_server_gives_is_still_read_to_the_end(stub):
    # The client asks 50 per page, the platform gives 10 (OCA's pasted answer).
    items = invoices(0, 23)
    stub.script(SEARCH, top_level_pages(items, size=10))
    with make_client(stub, page_size=50) as client:
        assert len(client.search_invoices()) == 23
    assert stub.calls(SEARCH) == 3


def test_page_number_ignored_raises_instead_of_a_partial_list(stub, client):
    page = invoices(0, 10)
    stub.script(SEARCH, ok(listeFactures=page, pageCourante=1, pages=3, total=25))
    with pytest.raises(cc.ChorusIncompleteResultError) as info:
        client.search_invoices(numeroFluxDepot="CPP001")
    assert len(info.value.items) == 10
    assert "incomplete" in str(info.value)


def test_empty_page_before_the_announced_pages_raises(stub, client):
    items = invoices(0, 10)
    stub.script(
        SEARCH,
        ok(listeFactures=items, pageCourante=1, pages=3, total=25),
        ok(listeFactures=[], pageCourante=2, pages=3, total=25),
    )
    with pytest.raises(cc.ChorusIncompleteResultError):
        client.search_invoices()
    # A no-result code on page 2 of 3 is the same hole.
    stub.script(SEARCH, ok(listeFactures=items, pageCourante=1, pages=3, total=25), NO_RESULT)
    with pytest.raises(cc.ChorusIncompleteResultError):
        client.search_invoices()


def test_fewer_items_than_the_announced_total_raises(stub, client):
    stub.script(SEARCH, ok(listeFactures=invoices(0, 10), pageCourante=1, pages=1, total=11))
    with pytest.raises(cc.ChorusIncompleteResultError) as info:
        client.search_invoices()
    assert "11" in str(info.value)


def test_without_paging_information_pages_are_read_until_an_empty_one(stub, client):
    stub.script(
        SEARCH, ok(listeFactures=invoices(0, 10)), ok(listeFactures=invoices(10, 4)), ok(listeFactures=[])
    )
    assert len(client.search_invoices()) == 14
    assert stub.calls(SEARCH) == 3  # a short page is not trusted as the end


def test_without_paging_information_a_repeated_full_page_raises(stub, client):
    stub.script(SEARCH, ok(listeFactures=invoices(0, 10)))
    with pytest.raises(cc.ChorusIncompleteResultError):
        client.search_invoices()
    # ... while a repeated short page was the whole list (page number ignored).
    stub.script(SEARCH, ok(listeFactures=invoices(0, 3)))
    assert len(client.search_invoices()) == 3


def test_page_limit_raises(stub, client):
    stub.script(SEARCH, lambda body, n: ok(listeFactures=invoices(n * 10, 10), pages=99))
    client.max_pages = 4
    with pytest.raises(cc.ChorusIncompleteResultError) as info:
        client.search_invoices()
    assert len(info.value.items) == 40


# ---------------------------------------------------------------------------
# 3. HTTP 429 + Retry-After on every call; 502/504 HTML pages
# ---------------------------------------------------------------------------


def test_429_on_a_search_waits_retry_after_seconds(stub, client):
    stub.script(
        SEARCH,
        (429, {"error": "too_many_requests"}, {"Retry-After": "1"}),
        ok(listeFactures=[], pageCourante=1, pages=0, total=0),
    )
    started = time.monotonic()
    assert client.search_invoices() == []
    assert time.monotonic() - started >= 1.0
    assert [(r["reason"], r["delay"]) for r in client.retries] == [("HTTP 429", 1.0)]


def test_429_with_an_http_date(stub, client):
    when = email.utils.format_datetime(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2), usegmt=True
    )
    stub.script(VAT, (429, "", {"Retry-After": when}), ok(listeTauxTva=[]))
    started = time.monotonic()
    assert client.vat_rates() == []
    (retry,) = client.retries
    assert 0.0 < retry["delay"] <= 2.0
    assert time.monotonic() - started >= retry["delay"] - 0.05


def test_429_on_a_deposit_is_waited_for_and_sent_again_once_processed(stub, client):
    processed = []

    def deposit(body, n):
        if n <= 2:
            return 429, {"error": "too_many_requests"}, {"Retry-After": "0.2"}
        processed.append(body["nomFichier"])
        return ok(numeroFluxDepot="CPP0011110000000000000042", dateDepot="2026-12-01")

    stub.script(DEPOSIT, deposit)
    answer = client.deposit_flow(b"%PDF-1.7 facture", "facture.pdf")
    assert answer["numeroFluxDepot"] == "CPP0011110000000000000042"
    assert processed == ["facture.pdf"]  # processed exactly once
    assert stub.calls(DEPOSIT) == 3
    assert [r["reason"] for r in client.retries] == ["HTTP 429", "HTTP 429"]


def test_429_beyond_the_waiting_budget_is_a_rate_limit_error(stub):
    stub.script(DEPOSIT, (429, {"error": "too_many_requests"}, {"Retry-After": "0.3"}))
    with make_client(stub, max_total_wait=0.7, max_retries=10) as client:
        with pytest.raises(cc.ChorusRateLimitError) as info:
            client.deposit_flow(b"%PDF-1.7 facture", "facture.pdf")
        assert [r["delay"] for r in client.retries] == [0.3, 0.3]  # 0.9 s > 0.7 s
    assert not isinstance(info.value, cc.ChorusUncertainError)
    assert info.value.retry_after == 0.3
    assert stub.calls(DEPOSIT) == 3


def test_each_wait_is_capped(stub):
    stub.script(SEARCH, (429, {}, {"Retry-After": "3600"}), ok(listeFactures=[]))
    with make_client(stub, max_retry_after=0.05) as client:
        assert client.search_invoices() == []
        assert client.retries[0]["delay"] == 0.05


def test_502_html_on_a_search_is_retried(stub, client):
    stub.script(SEARCH, (502, GATEWAY_502), ok(listeFactures=[], pages=0, total=0))
    assert client.search_invoices() == []
    assert [r["reason"] for r in client.retries] == ["HTTP 502"]


def test_502_html_gives_a_readable_error(stub):
    stub.script(SEARCH, (502, GATEWAY_502))
    with make_client(stub, max_retries=1) as client, pytest.raises(cc.ChorusTransientError) as info:
        client.search_invoices()
    text = str(info.value)
    assert "502 Bad Gateway" in text
    assert "<" not in text and "html" not in text.lower()
    assert info.value.http_status == 502 and info.value.payload is None


def test_504_html_on_a_deposit_is_uncertain_and_not_retried(stub, client):
    stub.script(DEPOSIT, (504, GATEWAY_504))
    with pytest.raises(cc.ChorusUncertainError) as info:
        client.deposit_flow(b"%PDF-1.7 facture", "facture.pdf")
    assert "504 Gateway Time-out" in str(info.value)
    assert "<" not in str(info.value)
    assert stub.calls(DEPOSIT) == 1
    assert client.retries == []


def test_html_page_with_http_200_is_a_readable_error(stub, client):
    stub.script(REPORT, "<html><head><title>Maintenance en cours</title></head></html>")
    with pytest.raises(cc.ChorusError) as info:
        client.flow_report("CPP001")
    assert "Maintenance en cours" in str(info.value)
    assert "<" not in str(info.value)


# ---------------------------------------------------------------------------
# 4. Token refused before its announced expiry
# ---------------------------------------------------------------------------


def test_token_refused_early_is_renewed_once(stub, client):
    def rates(_body, n):
        if n == 2:
            return 401, {"error": "invalid_token", "error_description": "The access token has expired."}
        return ok(listeTauxTva=[{"codeTauxTva": "TVA20", "valeurTauxTva": 20}])

    stub.script(VAT, rates)
    client.vat_rates()
    assert client.vat_rates()[0]["codeTauxTva"] == "TVA20"
    assert stub.tokens_issued == 2
    tokens = [h["Authorization"] for p, h, _b in stub.requests if p == VAT]
    assert tokens == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


def test_token_refused_early_on_a_deposit_is_sent_again(stub, client):
    stub.script(DEPOSIT, (401, {"error": "invalid_token"}), ok(numeroFluxDepot="CPP0011110000000000000043"))
    assert client.deposit_flow(b"%PDF-1.7 f", "f.pdf")["numeroFluxDepot"]
    assert stub.calls(DEPOSIT) == 2 and stub.tokens_issued == 2


# ---------------------------------------------------------------------------
# 5. Calls for the Odoo side: PDF deposit + submission, VAT rates, light
#    connection test, PISTE subscriptions
# ---------------------------------------------------------------------------


def test_deposit_pdf(stub, client):
    stub.script(DEPOSIT_PDF, ok(pieceJointeId="7001", numeroFacture="FAC-1", montantAPayer=240))
    assert client.deposit_pdf(b"%PDF-1.7 facture", "FAC-1.pdf") == 7001
    (body,) = stub.bodies(DEPOSIT_PDF)
    assert body == {
        "fichierFacture": base64.b64encode(b"%PDF-1.7 facture").decode("ascii"),
        "nomFichier": "FAC-1.pdf",
        "formatDepot": "PDF_NON_SIGNE",
    }
    assert client.last_pdf_deposit["numeroFacture"] == "FAC-1"
    with pytest.raises(ValueError):
        client.deposit_pdf(b"", "x.pdf")


def test_deposit_pdf_without_id_or_lost_is_uncertain(stub, client):
    stub.script(DEPOSIT_PDF, ok(), (500, {"codeRetour": 99999, "libelle": "panne"}))
    with pytest.raises(cc.ChorusUncertainError):
        client.deposit_pdf(b"%PDF-1.7", "a.pdf")
    with pytest.raises(cc.ChorusUncertainError):
        client.deposit_pdf(b"%PDF-1.7", "a.pdf")
    assert stub.calls(DEPOSIT_PDF) == 2


def submission():
    return {
        "numeroFactureSaisi": "FAC-1",
        "dateFacture": "2026-11-20",
        "destinataire": {"codeDestinataire": "22930008201453", "codeServiceExecutant": "132"},
        "fournisseur": {"idFournisseur": 26311001},
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "typeTva": "TVA_SUR_DEBIT",
            "modePaiement": "VIREMENT",
            "numeroBonCommande": "EJ2026-000456",
        },
        "montantTotal": {
            "montantHtTotal": 200.0,
            "montantTVA": 40.0,
            "montantTtcTotal": 240.0,
            "montantAPayer": 240.0,
        },
        "pieceJointePrincipale": [
            {"pieceJointePrincipaleDesignation": "facture", "pieceJointePrincipaleId": 7001}
        ],
    }


def test_submit_invoice(stub, client):
    stub.script(
        SUBMIT,
        ok(
            identifiantFactureCPP=5001, numeroFacture="FAC-1", statutFacture="DEPOSEE", dateDepot="2026-12-01"
        ),
    )
    answer = client.submit_invoice(submission())
    assert answer["identifiantFactureCPP"] == 5001
    (body,) = stub.bodies(SUBMIT)
    assert body["modeDepot"] == "DEPOT_PDF_API"
    assert body["pieceJointePrincipale"][0]["pieceJointePrincipaleId"] == 7001
    with pytest.raises(ValueError):
        client.submit_invoice({"modeDepot": "DEPOT_PDF_API"})


def test_submit_invoice_is_never_sent_twice(stub, client):
    stub.script(SUBMIT, (503, {"error": "service_unavailable"}, {"Retry-After": "0"}))
    with pytest.raises(cc.ChorusUncertainError):
        client.submit_invoice(submission())
    assert stub.calls(SUBMIT) == 1
    # ... but a 429 is re-sent: it was not processed.
    stub.script(SUBMIT, (429, {}, {"Retry-After": "0"}), ok(identifiantFactureCPP=5002))
    assert client.submit_invoice(submission())["identifiantFactureCPP"] == 5002
    assert stub.calls(SUBMIT) == 3


def test_light_connection_test_needs_only_transverses(stub, client):
    stub.script(
        VAT, ok(listeTauxTva=[{"codeTauxTva": "TVA20", "libelleTauxTva": "20 %", "valeurTauxTva": 20.0}])
    )
    rates = client.test_connection_light()
    assert rates[0]["codeTauxTva"] == "TVA20"
    assert {p for p, _h, _b in stub.requests} == {TOKEN, VAT}
    ((_path, headers, body),) = [r for r in stub.requests if r[0] == VAT]
    assert headers["Authorization"] == "Bearer token-1"
    assert base64.b64decode(headers["cpro-account"]).decode() == ("TECH_1_81234567600017@cpro.fr:secret")
    assert body == {"codeLangue": "FR"}


def test_health_check_and_currencies(stub, client):
    stub.script(HEALTH, {"body": "OK", "statusCode": "OK", "statusCodeValue": 200})
    stub.script(cc.P_CURRENCIES, ok(listeDevises=[{"codeDevise": "EUR", "libelleDevise": "Euro"}]))
    assert client.health_check()["statusCodeValue"] == 200
    assert client.currencies() == [{"codeDevise": "EUR", "libelleDevise": "Euro"}]


@pytest.mark.parametrize(
    "path,api",
    [
        (STRUCTURE_SEARCH, "Structures"),
        (VAT, "Transverses"),
        (SEARCH, "Factures"),
        (RATTACHEMENTS, "Utilisateurs"),
        (ENGAGEMENT, "EngagementsJuridiques"),
    ],
)
def test_403_from_the_gateway_names_the_missing_subscription(stub, client, path, api):
    # OCA/l10n-france #410: HTTP 403 with an empty body on structures/v1/rechercher.
    stub.script(path, (403, ""))
    calls = {
        STRUCTURE_SEARCH: lambda: client.search_structure("22930008201453"),
        VAT: client.test_connection_light,
        SEARCH: lambda: client.search_invoices(numeroFacture="F"),
        RATTACHEMENTS: client.test_connection,
        ENGAGEMENT: lambda: client.search_engagement("EJ", 1),
    }
    with pytest.raises(cc.ChorusSubscriptionError) as info:
        calls[path]()
    error = info.value
    assert isinstance(error, cc.ChorusAuthError)
    assert error.api == api
    assert f"not subscribed to the {api} API" in str(error)
    assert error.http_status == 403
    assert stub.calls(path) == 1


def test_403_with_a_chorus_code_is_not_a_subscription_error(stub, client):
    stub.script(STRUCTURE, (403, {"codeRetour": 10003, "libelle": "Accès refusé à la structure"}))
    with pytest.raises(cc.ChorusAuthError) as info:
        client.get_structure(1)
    assert not isinstance(info.value, cc.ChorusSubscriptionError)
    assert info.value.code_retour == 10003


def test_check_subscriptions_lists_each_api(stub, client):
    stub.script(VAT, ok(listeTauxTva=[]))
    stub.script(SEARCH, NO_RESULT)
    stub.script(STRUCTURE_SEARCH, (403, ""))
    stub.script(RATTACHEMENTS, ok(listeStructureRattachement=[]))
    stub.script(ENGAGEMENT, (400, {"codeRetour": 20008, "libelle": "parametre manquant"}))
    result = client.check_subscriptions()
    assert result["Structures"] and "Structures API" in result["Structures"]
    assert {k: v for k, v in result.items() if k != "Structures"} == {
        "Transverses": None,
        "Factures": None,
        "Utilisateurs": None,
        "EngagementsJuridiques": None,
    }
    assert client.check_subscriptions(["Transverses"]) == {"Transverses": None}
    with pytest.raises(ValueError):
        client.check_subscriptions(["Chorus"])


# ---------------------------------------------------------------------------
# 6. Directory volume (stub): structure + one services listing, details on demand
# ---------------------------------------------------------------------------


def test_directory_read_without_service_details_is_bounded(stub, client):
    services = [
        {
            "idService": 100 + i,
            "codeService": f"S{i:03d}",
            "libelleService": f"Svc {i}",
            "estActif": True,
            "dateDbtService": "2020-01-01 00:00",
            "dateFinService": "2050-12-31 00:00",
        }
        for i in range(218)
    ]
    services.append(
        {
            "idService": 99,
            "codeService": "FACTURES_PUBLIQUES",
            "libelleService": "Service des factures publiques",
            "estActif": True,
        }
    )

    def listing(body, _n):
        page = body["parametresRechercherServicesStructure"]["pageResultatDemandee"]
        return ok(
            listeServices=services[(page - 1) * 10 : page * 10],
            parametresRetour={"pageCourante": page, "pages": 22, "nbResultatsParPage": 10, "total": 219},
        )

    stub.script(
        STRUCTURE_SEARCH,
        ok(
            listeStructures=[
                {
                    "idStructureCPP": 25493001,
                    "identifiantStructure": 22930008201453,
                    "designationStructure": "Département",
                    "statut": "ACTIVE",
                }
            ],
            parametresRetour={"pageCourante": 1, "pages": 1, "total": 1},
        ),
    )
    stub.script(
        STRUCTURE,
        ok(
            informationGenerales={"structurePriveePublique": "PUBLIQUE"},
            parametres={"codeServiceDoitEtreRenseigne": True},
        ),
    )
    stub.script(SERVICES, listing)
    stub.script(
        SERVICE,
        ok(
            informationsGenerales={"codeService": "S005", "nomService": "Svc 5"},
            parametres={"numeroEngagement": True},
        ),
    )
    entry = client.get_directory_entry("22930008201453", service_details=False)
    assert len(entry["services"]) == 218
    assert entry["service_required"] is True and entry["siret"] == "22930008201453"
    first = entry["services"][0]
    assert first["engagement_required"] is None and first["details_loaded"] is False
    assert first["date_end"] == datetime.date(2050, 12, 31)
    api_calls = client.call_count - client.calls[TOKEN]
    assert api_calls == 1 + 1 + 22 <= 25
    assert stub.calls(SERVICE) == 0
    detail = client.get_service_entry(25493001, 105, listed=entry["services"][5])
    assert detail["engagement_required"] is True and detail["details_loaded"] is True
    assert detail["code"] == "S005" and detail["active"] is True
    assert stub.bodies(SERVICE) == [{"idStructure": 25493001, "idService": 105}]


def test_paging_helpers():
    assert transport._paging_info({"parametresRetour": {"pages": 2, "total": 13, "pageCourante": 1}}) == (
        2,
        13,
        1,
    )
    assert transport._paging_info({"pages": "3", "total": "25", "pageCourante": "2"}) == (3, 25, 2)
    assert transport._paging_info({"listeFactures": []}) == (None, None, None)
    assert transport._api_family("/cpro/engagementsJuridiques/v1/rechercher") == "EngagementsJuridiques"
    assert transport._text_summary(GATEWAY_504) == "504 Gateway Time-out"
    assert "QP_IRRECEVABLE" in cc.FLOW_QP_FAILURE_STATUSES


# ---------------------------------------------------------------------------
# The same client behaviours against the simulator, in both realisms
# ---------------------------------------------------------------------------

simulator_pkg = pytest.importorskip("chorus_pro_simulator")
Simulator = simulator_pkg.Simulator
HAS_REALISM = "realism" in inspect.signature(Simulator).parameters
REALISMS = ["strict", "production"] if HAS_REALISM else ["strict"]

SIM_ID = "chorus-sim-client"
SIM_SECRET = "chorus-sim-secret"
SIM_LOGIN = "TECH_1_81234567600017@cpro.fr"
SIM_PASSWORD = "Chorus-Sim-2026"
SIRET_D93 = "22930008201453"
SIRET_SUPPLIER = "81234567600017"


def _simulator(realism, **kwargs):
    options = {"flow_steps": 0, "fault_delay": 1.0}
    if HAS_REALISM:
        options["realism"] = realism
        if realism == "production":
            options.setdefault("throttle_every", 0)
    options.update(kwargs)
    return Simulator(**options)


@pytest.fixture(params=REALISMS)
def realism(request):
    return request.param


@pytest.fixture
def sim(realism):
    simulator = _simulator(realism)
    yield simulator
    simulator.close()


@pytest.fixture
def sim_client(sim):
    with (
        sim.serve() as running,
        cc.ChorusClient(
            running.url,
            running.token_url,
            SIM_ID,
            SIM_SECRET,
            SIM_LOGIN,
            SIM_PASSWORD,
            timeout=5.0,
            max_retries=3,
            backoff=0.01,
        ) as client,
    ):
        yield client


def _facturx(number):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "simulator" / "tests"))
    import fxutil

    return fxutil.facturx_pdf(number=number, seller=SIRET_SUPPLIER, ej="EJ2026-000456")


def test_sim_empty_searches(sim, sim_client):
    assert sim_client.search_invoices(numeroFacture="NEVER-DEPOSITED") == []
    assert sim_client.search_structure("99999999999999") is None
    assert sim_client.get_directory_entry("99999999999999") is None
    assert sim_client.search_engagement("EJ-UNKNOWN", 26311001) == []


def test_sim_deposit_search_before_send_and_all_pages(sim, sim_client):
    pytest.importorskip("facturx")
    assert sim_client.search_invoices(numeroFacture="PROD-1") == []  # search before send
    answer = sim_client.deposit_flow(_facturx("PROD-1"), "facture.pdf")
    report = sim_client.flow_report(answer["numeroFluxDepot"])
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    (invoice,) = sim_client.search_invoices(numeroFluxDepot=answer["numeroFluxDepot"])
    assert invoice["numeroFacture"] == "PROD-1"


def test_sim_directory_bounded_read(sim, sim_client):
    sim.add_structure("11122233300015", "Commune de test")
    for number in range(218):
        sim.add_service("11122233300015", f"SVC{number:03d}", f"Service {number}", ej_required=number == 7)
    sim_client.reset_counters()
    entry = sim_client.get_directory_entry("11122233300015", service_details=False)
    assert len(entry["services"]) == 218
    api_calls = sim_client.call_count - sim_client.calls[TOKEN]
    assert api_calls <= 25, sim_client.calls
    assert sim_client.calls[SERVICE] == 0
    svc = next(s for s in entry["services"] if s["code"] == "SVC007")
    detail = sim_client.get_service_entry(entry["idStructureCPP"], svc["idService"], listed=svc)
    assert detail["engagement_required"] is True
    assert sim_client.calls[SERVICE] == 1


def test_sim_429_on_deposit_is_waited_for(sim, sim_client):
    pytest.importorskip("facturx")
    sim_client.my_structures()
    sim.inject_fault(DEPOSIT, "http_429", retry_after=0)
    answer = sim_client.deposit_flow(_facturx("PROD-429"), "facture.pdf")
    assert answer["numeroFluxDepot"]
    assert sim.state_summary()["flows"]["total"] == 1
    assert sim.calls[DEPOSIT] == 2


@pytest.mark.skipif(not HAS_REALISM, reason="simulator without the production realism")
def test_sim_gateway_html_pages(sim, sim_client):
    from chorus_pro_simulator import constants as C

    if "http_502" not in C.FAULT_KINDS:
        pytest.skip("simulator without gateway faults")
    sim_client.my_structures()
    sim.inject_fault(SEARCH, "http_502", count=1)
    assert sim_client.search_invoices(numeroFacture="NONE") == []
    sim.inject_fault(DEPOSIT, "http_504", count=1)
    with pytest.raises(cc.ChorusUncertainError) as info:
        sim_client.deposit_flow(b"%PDF-1.7 x", "facture.pdf")
    assert "<" not in str(info.value)
    assert sim.calls[DEPOSIT] == 1


def _submission_to_d93(number, piece_id):
    body = submission()
    body["numeroFactureSaisi"] = number
    body["fournisseur"] = {"idFournisseur": 26311001}
    body["pieceJointePrincipale"][0]["pieceJointePrincipaleId"] = piece_id
    return body


def test_sim_pdf_deposit_and_submission(sim, sim_client):
    pdf = _facturx("SOUM-1") if _has_facturx() else b"%PDF-1.4\n%%EOF\n"
    piece_id = sim_client.deposit_pdf(pdf, "SOUM-1.pdf")
    assert isinstance(piece_id, int)
    assert sim_client.last_pdf_deposit["pieceJointeId"] == piece_id
    answer = sim_client.submit_invoice(_submission_to_d93("SOUM-1", piece_id))
    assert answer["numeroFacture"] == "SOUM-1"
    assert answer["statutFacture"] == "DEPOSEE"
    (found,) = sim_client.search_invoices(numeroFacture="SOUM-1")
    assert found["identifiantFactureCPP"] == answer["identifiantFactureCPP"]
    assert sim.calls[SUBMIT] == 1


def test_sim_referentials_and_light_connection_test(sim, sim_client):
    rates = sim_client.test_connection_light()
    assert {r["valeurTauxTva"] for r in rates} >= {20.0, 10.0, 5.5}
    assert sim.calls[VAT] == 1
    assert set(sim.calls) <= {TOKEN, VAT}  # nothing but the token and Transverses
    assert "EUR" in {c["codeDevise"] for c in sim_client.currencies()}
    assert sim_client.vat_rates(language=None)  # Pastell's empty body
    assert sim_client.health_check()["statusCodeValue"] == 200
    info = sim_client.siret_information(SIRET_D93)
    assert info["siret"] == SIRET_D93
    assert sim_client.check_subscriptions() == dict.fromkeys(
        ["Transverses", "Factures", "Structures", "Utilisateurs", "EngagementsJuridiques"]
    )


def _has_facturx():
    try:
        import facturx  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not HAS_REALISM, reason="simulator without the production realism")
def test_sim_production_throttling_and_early_token_expiry():
    pytest.importorskip("facturx")
    simulator = _simulator(
        "production", throttle_every=3, retry_after=0, token_lifetime=4, token_life_fraction=0.25
    )
    try:
        with (
            simulator.serve() as running,
            cc.ChorusClient(
                running.url,
                running.token_url,
                SIM_ID,
                SIM_SECRET,
                SIM_LOGIN,
                SIM_PASSWORD,
                timeout=5.0,
                max_retries=3,
                backoff=0.01,
            ) as client,
        ):
            numbers = [f"THR-{i}" for i in range(3)]
            flows = []
            for number in numbers:
                assert client.search_invoices(numeroFacture=number) == []
                flows.append(client.deposit_flow(_facturx(number), "facture.pdf")["numeroFluxDepot"])
            time.sleep(1.2)  # the token dies after 1 s, announced for 4 s
            for numero in flows:
                assert client.flow_report(numero)["etatCourantDepotFlux"] == "IN_INTEGRE"
                (invoice,) = client.search_invoices(numeroFluxDepot=numero)
                assert invoice["numeroFacture"] in numbers
            assert simulator.state_summary()["flows"]["total"] == 3  # each sent once
            reasons = {r["reason"] for r in client.retries}
            assert reasons == {"HTTP 429"}
            assert client.calls[TOKEN] >= 2  # renewed after the early expiry
    finally:
        simulator.close()


def test_first_page_empty_although_several_announced_raises(stub, client):
    stub.script(SEARCH, ok(listeFactures=[], pageCourante=1, pages=2))
    with pytest.raises(cc.ChorusIncompleteResultError):
        client.search_invoices()
    # An empty first page announced as the only one is just an empty result.
    stub.script(SEARCH, ok(listeFactures=[], pageCourante=1, pages=1, total=0))
    assert client.search_invoices() == []
    # "0 pages" next to items: read on until an empty page.
    stub.script(
        SEARCH,
        ok(listeFactures=invoices(0, 10), pages=0),
        ok(listeFactures=invoices(10, 2), pages=0),
        ok(listeFactures=[], pages=0),
    )
    assert len(client.search_invoices()) == 12


def test_sim_qp_flow_states_are_reported_as_they_come(sim, sim_client):
    pytest.importorskip("facturx")
    sim.configure(flow_steps=2)
    numero = sim_client.deposit_flow(_facturx("QP-1"), "facture.pdf")["numeroFluxDepot"]
    sim.set_flow_status(numero, "QP_IRRECEVABLE")
    report = sim_client.flow_report(numero)
    assert report["etatCourantDepotFlux"] == "QP_IRRECEVABLE"
    assert report["etatCourantDepotFlux"] in cc.FLOW_QP_FAILURE_STATUSES
    assert report["etatCourantDepotFlux"] not in cc.FLOW_TERMINAL_STATUSES
    assert isinstance(report["listeErreurTechnique"], list)
    assert sim_client.search_invoices(numeroFluxDepot=numero) == []  # no-result code in production
