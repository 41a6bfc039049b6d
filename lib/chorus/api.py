"""The Chorus Pro API wrappers: one method per API call (no Odoo import)."""

import base64
import binascii
import logging
import mimetypes

from .endpoints import (
    ALLOWED_ATTACHMENT_EXTENSIONS,
    FACTURES_PUBLIQUES,
    FORMAT_PDF_NON_SIGNE,
    MAX_ATTACHMENT_NAME,
    MAX_ATTACHMENT_SIZE,
    MAX_MIMETYPE_LENGTH,
    MODE_DEPOT_PDF_API,
    P_BILLING_FRAMES,
    P_COMPLETE,
    P_CORRECT_VALIDATOR,
    P_CURRENCIES,
    P_DEPOSIT,
    P_DEPOSIT_PDF,
    P_DOWNLOAD,
    P_FLOW_REPORT,
    P_FLOW_REPORT_PDF,
    P_GET_SERVICE,
    P_GET_STRUCTURE,
    P_HANDLE_REJECTION,
    P_HEALTH,
    P_INVOICE_DETAIL,
    P_INVOICE_HISTORY,
    P_MY_STRUCTURES,
    P_RECYCLE,
    P_SEARCH_ENGAGEMENT,
    P_SEARCH_INVOICES,
    P_SEARCH_SERVICES,
    P_SEARCH_STRUCTURE,
    P_SIRET_INFO,
    P_SUBMIT,
    P_UPLOAD,
    P_VAT_RATES,
    P_WORKS_STRUCTURES,
    SYNTAX_FACTURX,
)
from .errors import (
    ChorusAttachmentError,
    ChorusFunctionalError,
    ChorusSubscriptionError,
    ChorusUncertainError,
)
from .transport import ChorusTransport
from .values import _bool, _safe_date, _to_int, as_list, normalize_siret, postal_address
from .works import works_document

_logger = logging.getLogger(__name__)


def _id_value(value):
    """An id as an int when it is numeric, else as Chorus Pro sent it."""
    number = _to_int(value)
    return number if number is not None else value


class ChorusClient(ChorusTransport):
    """Chorus Pro API client for one PISTE application and one technical account
    (transport, token and retries: ``ChorusTransport``)."""

    def health_check(self):
        """``GET transverses/v1/health-check``: the answer dict (no codeRetour)."""
        return self._call(P_HEALTH, method="GET", idempotent=True)

    def my_structures(self):
        """Structures of the technical account (``rattachements``), all pages."""
        return self._paginate(P_MY_STRUCTURES, {}, "listeStructureRattachement", "parametresRecherche")

    def test_connection(self):
        """Fetch a token and the account's structures; return those structures.

        Needs the Utilisateurs API. Raises ``ChorusAuthError`` for bad PISTE
        credentials or a refused technical account, ``ChorusSubscriptionError``
        when the PISTE application is not subscribed to that API. See
        ``test_connection_light`` for a test needing only the Transverses API.
        """
        self._get_token()
        return self.my_structures()

    def test_connection_light(self, language="FR"):
        """Connection test needing only the Transverses API (as Pastell does
        with ``recuperer/tauxtva``): PISTE token, then one Transverses call
        carrying the technical account. Returns the VAT rates list.

        Raises ``ChorusAuthError`` (PISTE credentials or technical account
        refused) or ``ChorusSubscriptionError`` (``api == "Transverses"``).
        """
        self._get_token()
        return self.vat_rates(language)

    def vat_rates(self, language="FR"):
        """``transverses/v1/recuperer/tauxtva``: the VAT rates Chorus Pro
        accepts, a list of ``{"codeTauxTva", "libelleTauxTva",
        "valeurTauxTva"}`` dicts. ``language``: ``FR`` or ``EN`` (None sends
        an empty body, as Pastell does)."""
        body = {"codeLangue": language} if language else {}
        answer = self._call(P_VAT_RATES, body, idempotent=True)
        return as_list(answer.get("listeTauxTva"))

    def currencies(self, language="FR"):
        """``transverses/v1/recuperer/devises``: a list of ``{"codeDevise",
        "libelleDevise"}`` dicts."""
        body = {"codeLangue": language} if language else {}
        answer = self._call(P_CURRENCIES, body, idempotent=True)
        return as_list(answer.get("listeDevises"))

    def siret_information(self, siret):
        """``transverses/v1/consulter/information/siret`` (``siretStructure``):
        the INSEE data Chorus Pro holds on a SIRET, the answer dict."""
        siret = normalize_siret(siret)
        if not siret:
            raise ValueError("a SIRET is required")
        return self._call(P_SIRET_INFO, {"siretStructure": siret}, idempotent=True)

    def check_subscriptions(self, apis=None):
        """Probe each PISTE API family with one cheap read-only call and tell
        which ones the PISTE application may not use.

        ``apis``: family names among ``Transverses``, ``Factures``,
        ``Structures``, ``Utilisateurs``, ``EngagementsJuridiques`` (default:
        all five). Returns ``{family: None}`` for a usable API and
        ``{family: message}`` for one PISTE refused (``ChorusSubscriptionError``).
        Any other Chorus answer, even a functional error, proves the gateway
        let the call through. Authentication and transport errors are raised.
        """
        probes = {
            "Transverses": lambda: self.vat_rates(),
            "Factures": lambda: self._call(
                P_SEARCH_INVOICES,
                {
                    "numeroFacture": "CONNECTION-TEST",
                    "rechercheFactureParFournisseur": {"nbResultatsParPage": 1, "pageResultatDemandee": 1},
                },
                idempotent=True,
                search=True,
            ),
            "Structures": lambda: self._call(
                P_SEARCH_STRUCTURE,
                {
                    "structure": {
                        "identifiantStructure": "00000000000000",
                        "typeIdentifiantStructure": "SIRET",
                    },
                    "parametres": {"nbResultatsParPage": 1, "pageResultatDemandee": 1},
                },
                idempotent=True,
                search=True,
            ),
            "Utilisateurs": lambda: self._call(
                P_MY_STRUCTURES,
                {"parametresRecherche": {"nbResultatsParPage": 1, "pageResultatDemandee": 1}},
                idempotent=True,
                search=True,
            ),
            "EngagementsJuridiques": lambda: self._call(
                P_SEARCH_ENGAGEMENT,
                {
                    "numeroEngagementJuridique": "CONNECTION-TEST",
                    "parametresRecherche": {"nbResultatsParPage": 1, "pageResultatDemandee": 1},
                },
                idempotent=True,
                search=True,
            ),
        }
        wanted = list(apis) if apis else list(probes)
        unknown = [name for name in wanted if name not in probes]
        if unknown:
            raise ValueError(f"unknown PISTE API family: {', '.join(unknown)}")
        self._get_token()
        result = {}
        for name in wanted:
            try:
                probes[name]()
            except ChorusSubscriptionError as error:
                result[name] = str(error)
            except ChorusFunctionalError:
                result[name] = None  # the gateway let it through
            else:
                result[name] = None
        return result

    # ------------------------------------------------------------------
    # Directory (structures, services, engagements)
    # ------------------------------------------------------------------
    def search_structure(self, siret):
        """The structure with this SIRET (``rechercher``) or None.

        Returns the ``listeStructures`` item: ``idStructureCPP``,
        ``identifiantStructure`` (normalised to a 14-digit string),
        ``designationStructure``, ``typeIdentifiantStructure``, ``statut``.
        """
        siret = normalize_siret(siret)
        if not siret:
            raise ValueError("a SIRET is required")
        body = {"structure": {"identifiantStructure": siret, "typeIdentifiantStructure": "SIRET"}}
        found = self._paginate(P_SEARCH_STRUCTURE, body, "listeStructures", "parametres")
        matches = []
        for item in found:
            if not isinstance(item, dict):
                continue
            item = dict(item)
            item["identifiantStructure"] = normalize_siret(item.get("identifiantStructure"))
            if item["identifiantStructure"] == siret:
                matches.append(item)
        if not matches:
            return None
        matches.sort(key=lambda s: s.get("statut") != "ACTIVE")  # active first
        return matches[0]

    def get_structure(self, id_structure_cpp):
        """``consulter``: ``informationGenerales``, ``adressePostaleDuSiege``,
        ``parametres`` (the whole answer dict)."""
        return self._call(P_GET_STRUCTURE, {"idStructureCPP": int(id_structure_cpp)}, idempotent=True)

    def search_services(self, id_structure_cpp):
        """Services of a structure (``rechercher/services``), all pages."""
        return self._paginate(
            P_SEARCH_SERVICES,
            {"idStructure": int(id_structure_cpp)},
            "listeServices",
            "parametresRechercherServicesStructure",
        )

    def get_service(self, id_structure_cpp, id_service):
        """``consulter/service``: ``informationsGenerales``, ``adressePostale``,
        ``parametres`` (the whole answer dict)."""
        return self._call(
            P_GET_SERVICE,
            {"idStructure": int(id_structure_cpp), "idService": int(id_service)},
            idempotent=True,
        )

    def get_service_entry(self, id_structure_cpp, id_service, listed=None):
        """One service's routing data from ``consulter/service`` (one call),
        for on-demand reads after a ``service_details=False`` directory read.

        ``listed``: the service's item of ``rechercher/services`` or of a
        directory entry, if known (code, name, activity are taken from it).
        Returns the service dict of ``get_directory_entry`` with
        ``details_loaded`` True and ``engagement_required`` from the service's
        ``parametres.numeroEngagement``.
        """
        detail = self.get_service(id_structure_cpp, id_service)
        base = dict(listed or {})
        if "codeService" not in base:  # a directory entry's service dict
            base = {
                "idService": base.get("idService", id_service),
                "codeService": base.get("code"),
                "libelleService": base.get("name"),
                "estActif": base.get("active", True),
            }
        base.setdefault("idService", id_service)
        return self._service_entry(base, detail)

    @staticmethod
    def _service_entry(svc, detail=None):
        detail = detail or {}
        sparams = detail.get("parametres") or {}
        sinfos = detail.get("informationsGenerales") or {}
        code = svc.get("codeService") or sinfos.get("codeService")
        if "estActif" in svc and svc.get("estActif") is not None:
            active = _bool(svc.get("estActif"))
        else:
            active = svc.get("statutService", "ACTIF") == "ACTIF"
        return {
            "idService": _to_int(svc.get("idService")),
            "code": code,
            "name": svc.get("libelleService") or sinfos.get("nomService") or code,
            "active": active,
            "date_start": _safe_date(svc.get("dateDbtService") or sparams.get("dateDebutValidite")),
            "date_end": _safe_date(svc.get("dateFinService") or sparams.get("dateFinValidite")),
            # None: unknown until consulter/service is read (details_loaded False).
            "engagement_required": _bool(sparams.get("numeroEngagement")) if detail else None,
            "details_loaded": bool(detail),
            # The service's own postal address (consulter/service), None when not read.
            "address": postal_address(detail.get("adressePostale")) if detail else None,
        }

    def get_directory_entry(self, siret, service_details=True):
        """Everything needed to route invoices to a recipient, or None if unknown.

        Calls rechercher, consulter, rechercher/services (all pages) and, with
        ``service_details`` (the default), consulter/service for each service.
        With ``service_details=False`` the read costs a bounded number of
        calls - 2 + the pages of the services listing (a 218-service structure:
        2 + 22 pages of 10) - and each service's details are read on demand
        with ``get_service_entry`` (one call per service). Returns::

            {"idStructureCPP": int, "siret": str, "name": str, "active": bool,
             "public": bool, "service_required": bool, "engagement_required": bool,
             "engagement_or_service": bool, "payment_status_not_reported": bool,
             "address": {"street": str, "street2": str, "zip": str, "city": str,
                         "country": str},
             "services": [{"idService": int, "code": str, "name": str,
                           "active": bool, "date_start": date|None,
                           "date_end": date|None,
                           "engagement_required": bool|None,
                           "details_loaded": bool}]}

        ``engagement_required`` of a service is None when its details were not
        read. The ``FACTURES_PUBLIQUES`` service is left out (intra-public
        only). Raises ``ChorusIncompleteResultError`` when the services
        listing cannot be read to its end.
        """
        structure = self.search_structure(siret)
        if structure is None:
            return None
        id_structure = int(structure["idStructureCPP"])
        detail = self.get_structure(id_structure)
        params = detail.get("parametres") or {}
        infos = detail.get("informationGenerales") or detail.get("informationsGenerales") or {}
        services = []
        for svc in self.search_services(id_structure):
            if not isinstance(svc, dict):
                continue
            code = svc.get("codeService")
            if not code or code == FACTURES_PUBLIQUES:
                continue
            service_detail = None
            if service_details:
                service_detail = self.get_service(id_structure, svc["idService"])
            services.append(self._service_entry(svc, service_detail))
        return {
            "idStructureCPP": id_structure,
            "siret": structure["identifiantStructure"],
            "name": structure.get("designationStructure")
            or infos.get("raisonSocialeStructure")
            or infos.get("libelleStructure")
            or "",
            "active": structure.get("statut", "ACTIVE") == "ACTIVE",
            "public": infos.get("structurePriveePublique") == "PUBLIQUE",
            "service_required": _bool(params.get("codeServiceDoitEtreRenseigne")),
            "engagement_required": _bool(params.get("numeroEJDoitEtreRenseigne")),
            "engagement_or_service": _bool(params.get("gestionNumeroEJOuCodeService")),
            "payment_status_not_reported": _bool(params.get("statutMiseEnPaiementNestPasRemonte")),
            "address": postal_address(detail.get("adressePostaleDuSiege")),
            "services": services,
        }

    def search_engagement(self, numero, id_structure_cpp):
        """Legal commitments (EJ) numbered ``numero`` received by the supplier
        structure ``id_structure_cpp``; all pages, list of dicts."""
        body = {
            "numeroEngagementJuridique": str(numero).strip(),
            "structureReceptriceEngagementJuridique": str(id_structure_cpp),
        }
        return self._paginate(P_SEARCH_ENGAGEMENT, body, "listeEngagementJuridique", "parametresRecherche")

    # ------------------------------------------------------------------
    # Deposit and flow reports
    # ------------------------------------------------------------------
    def deposit_flow(self, file_bytes, filename, syntax=SYNTAX_FACTURX):
        """``deposer/flux`` (NOT idempotent, never retried once sent).

        Returns the answer dict: ``numeroFluxDepot``, ``dateDepot``,
        ``syntaxeFlux``, ``codeRetour``, ``libelle``. Raises
        ``ChorusUncertainError`` when the outcome is unknown.
        """
        answer = self._send_file(
            P_DEPOSIT,
            "the flow file",
            "fichierFlux",
            file_bytes,
            filename,
            syntaxeFlux=syntax,
            avecSignature=False,
        )
        if not answer.get("numeroFluxDepot"):
            raise self._unconfirmed("the deposit was accepted without a flow number", P_DEPOSIT, answer)
        return answer

    def deposit_pdf(self, content, filename):
        """``factures/v1/deposer/pdf`` with ``formatDepot`` ``PDF_NON_SIGNE``:
        upload the invoice PDF of a ``DEPOT_PDF_API`` submission and return
        its attachment id (``pieceJointeId``, an int when numeric), to pass
        to ``submit_invoice`` as ``pieceJointePrincipaleId``.

        NOT idempotent (never retried once sent; a 429 or a 401 is re-sent):
        an uncertain outcome raises ``ChorusUncertainError``. Depositing the
        PDF does not deposit an invoice: only ``submit_invoice`` does, so an
        unconfirmed PDF deposit may simply be made again. The whole answer
        (Chorus Pro also returns the data it read from the PDF) is kept in
        ``last_pdf_deposit``.
        """
        answer = self._send_file(
            P_DEPOSIT_PDF,
            "the PDF",
            "fichierFacture",
            content,
            filename,
            formatDepot=FORMAT_PDF_NON_SIGNE,
        )
        self.last_pdf_deposit = answer
        attachment_id = answer.get("pieceJointeId")
        if attachment_id in (None, ""):
            raise self._unconfirmed(
                "the PDF deposit was accepted without pieceJointeId", P_DEPOSIT_PDF, answer
            )
        return _id_value(attachment_id)

    def _send_file(self, endpoint, what, file_field, content, filename, **fields):
        """Check and send one file (base64 in ``file_field``, its name in ``nomFichier``,
        then ``fields``) to a deposit endpoint; NOT idempotent. Returns the answer dict.
        ``what`` names the file in the error raised when it is empty."""
        if not content:
            raise ValueError(f"{what} is empty")
        if not filename:
            raise ValueError("a file name with its extension is required")
        body = {
            file_field: base64.b64encode(bytes(content)).decode("ascii"),
            "nomFichier": filename,
            **fields,
        }
        return self._call(endpoint, body, idempotent=False)

    @staticmethod
    def _unconfirmed(message, endpoint, answer):
        """The error for an accepted call whose answer lacks what proves it was done."""
        return ChorusUncertainError(
            message,
            http_status=200,
            code_retour=answer.get("codeRetour"),
            endpoint=endpoint,
            payload=answer,
        )

    def submit_invoice(self, payload):
        """``factures/v1/soumettre``: submit an invoice as structured data
        (§5.7) - the degraded mode when a Factur-X flow is refused: the PDF
        from ``deposit_pdf`` in ``pieceJointePrincipale`` plus the invoice
        data. ``modeDepot`` defaults to ``DEPOT_PDF_API``; the payload is
        otherwise sent as given (``numeroFactureSaisi``, ``dateFacture``,
        ``destinataire``, ``fournisseur``, ``cadreDeFacturation``,
        ``references``, ``lignePoste``, ``ligneTva``, ``montantTotal``,
        ``pieceJointePrincipale``...).

        NOT idempotent, like a deposit: never re-sent once it may have been
        processed (``ChorusUncertainError``: search the invoice number before
        submitting again); a 429 is waited for and re-sent. Returns the answer
        dict (``identifiantFactureCPP``, ``numeroFacture``, ``statutFacture``,
        ``dateDepot``...).
        """
        if not isinstance(payload, dict):
            raise ValueError("the submission must be a dict")
        body = dict(payload)
        body.setdefault("modeDepot", MODE_DEPOT_PDF_API)
        if not body.get("numeroFactureSaisi"):
            raise ValueError("numeroFactureSaisi (the invoice number) is required")
        answer = self._call(P_SUBMIT, body, idempotent=False)
        if answer.get("identifiantFactureCPP") in (None, ""):
            raise self._unconfirmed(
                "the submission was accepted without identifiantFactureCPP", P_SUBMIT, answer
            )
        return answer

    def flow_report(self, numero_flux):
        """``consulterCRDetaille``: the answer dict, with ``listeErreurDP`` and
        ``listeErreurTechnique`` always lists. The status is
        ``etatCourantDepotFlux`` (see ``FLOW_TERMINAL_STATUSES``)."""
        report = self._call(P_FLOW_REPORT, {"numeroFluxDepot": numero_flux}, idempotent=True)
        report["listeErreurDP"] = as_list(report.get("listeErreurDP"))
        report["listeErreurTechnique"] = as_list(report.get("listeErreurTechnique"))
        return report

    def flow_report_pdf(self, numero_flux):
        """``consulterCR``: the decoded ``fichierCR`` PDF bytes, or None."""
        report = self._call(P_FLOW_REPORT_PDF, {"numeroFluxDepot": numero_flux}, idempotent=True)
        content = report.get("fichierCR")
        if not content:
            return None
        try:
            return base64.b64decode(content)
        except (binascii.Error, ValueError):
            _logger.warning("Chorus Pro: fichierCR of flow %s is not base64", numero_flux)
            return None

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------
    def search_invoices(self, **criteria):
        """``rechercher/fournisseur`` with the given criteria (passed through,
        e.g. ``numeroFluxDepot``, ``numeroFacture``, ``statutCourant``,
        ``periodeDateHeureEtatCourantDu``); all pages; list of invoice dicts."""
        body = {k: v for k, v in criteria.items() if v is not None}
        return self._paginate(P_SEARCH_INVOICES, body, "listeFactures", "rechercheFactureParFournisseur")

    def invoice_history(self, id_facture):
        """``consulter/historique``: the answer dict (``statutCourantCode``,
        ``historiquesDesStatuts.histoStatut`` as a full list, oldest first
        as sent by Chorus Pro)."""
        id_facture = int(id_facture)
        page_size = 100
        answer = None
        statuses = []
        previous = None
        page = 1
        while True:
            body = {
                "idFacture": id_facture,
                "paramRechercheHistoStatuts": {
                    "nbResultatsParPageListeHistoStatut": page_size,
                    "pageResultatDemandeeListeHistoStatut": page,
                },
            }
            payload = self._call(P_INVOICE_HISTORY, body, idempotent=True)
            if answer is None:
                answer = payload
            block = payload.get("historiquesDesStatuts") or {}
            chunk = as_list(block.get("histoStatut"))
            if not chunk or chunk == previous:  # end, or the page number ignored
                break
            statuses.extend(chunk)
            pages = _to_int(block.get("pagesHistoStatut"))
            if pages is not None and page >= pages:
                break
            if pages is None and len(chunk) < page_size:  # no paging info: a short page ends
                break
            if page >= self.max_pages:
                break
            previous = chunk
            page += 1
        block = dict(answer.get("historiquesDesStatuts") or {})
        block["histoStatut"] = statuses
        answer["historiquesDesStatuts"] = block
        return answer

    def invoice_detail(self, id_facture):
        """``consulter/fournisseur``: the ``facture`` dict."""
        answer = self._call(P_INVOICE_DETAIL, {"identifiantFactureCPP": int(id_facture)}, idempotent=True)
        return answer.get("facture") or {}

    def download_invoices(self, ids, fmt="PDF", with_attachments=False):
        """``telecharger/groupe``: decoded ``fichierResultat`` bytes (a PDF for
        one invoice in PDF, a zip for several)."""
        ids = [int(i) for i in ids]
        if not ids:
            raise ValueError("no invoice to download")
        body = {
            "listeFacture": [{"idFacture": i} for i in ids],
            "format": fmt,
            "avecPiecesJointesComplementaires": bool(with_attachments),
        }
        answer = self._call(P_DOWNLOAD, body, idempotent=True)
        content = answer.get("fichierResultat")
        return base64.b64decode(content) if content else b""

    # ------------------------------------------------------------------
    # Supplier actions (not idempotent)
    # ------------------------------------------------------------------
    @staticmethod
    def check_attachment(filename, data):
        """Raise ``ChorusAttachmentError`` if Chorus Pro would refuse the file
        (§6.2): name over 50 characters, extension not allowed, empty or over
        10 MB. Returns the upper-case extension."""
        name = filename or ""
        if not name.strip():
            raise ChorusAttachmentError("the attachment needs a file name", endpoint=P_UPLOAD)
        if len(name) > MAX_ATTACHMENT_NAME:
            raise ChorusAttachmentError(
                f"attachment name '{name}' has {len(name)} characters; Chorus Pro accepts "
                f"at most {MAX_ATTACHMENT_NAME} (extension included)",
                endpoint=P_UPLOAD,
            )
        extension = name.rsplit(".", 1)[-1].upper() if "." in name else ""
        if extension not in ALLOWED_ATTACHMENT_EXTENSIONS:
            raise ChorusAttachmentError(
                f"attachment '{name}': extension '{extension or '(none)'}' is not accepted by Chorus Pro",
                endpoint=P_UPLOAD,
            )
        size = len(data or b"")
        if not size:
            raise ChorusAttachmentError(f"attachment '{name}' is empty", endpoint=P_UPLOAD)
        if size > MAX_ATTACHMENT_SIZE:
            raise ChorusAttachmentError(
                f"attachment '{name}' is {size} bytes; Chorus Pro accepts at most "
                f"{MAX_ATTACHMENT_SIZE} bytes (10 MB)",
                endpoint=P_UPLOAD,
            )
        return extension

    def upload_attachment(self, filename, data, mimetype=None):
        """``ajouter/fichier`` (NOT idempotent): returns ``pieceJointeId``.

        Checked locally first (``check_attachment``)."""
        extension = self.check_attachment(filename, data)
        mimetype = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if len(mimetype) > MAX_MIMETYPE_LENGTH:
            raise ChorusAttachmentError("MIME type over 255 characters", endpoint=P_UPLOAD)
        body = {
            "pieceJointeFichier": base64.b64encode(bytes(data)).decode("ascii"),
            "pieceJointeNom": filename,
            "pieceJointeTypeMime": mimetype,
            "pieceJointeExtension": extension,
        }
        answer = self._call(P_UPLOAD, body, idempotent=False)
        attachment_id = answer.get("pieceJointeId")
        if attachment_id in (None, ""):
            raise ChorusUncertainError(
                "the upload was accepted without pieceJointeId",
                http_status=200,
                endpoint=P_UPLOAD,
                payload=answer,
            )
        return _id_value(attachment_id)

    def complete_invoice(self, id_facture, comment, attachment_ids=()):
        """``completer`` a ``SUSPENDUE`` invoice (NOT idempotent).

        ``attachment_ids``: ``pieceJointeId`` values from ``upload_attachment``
        (or ready-made ``pieceJointeComplementaire`` dicts). Returns the
        answer dict (``identifiantFactureCPP``, ``numeroFacture``,
        ``dateTraitement``)."""
        pieces = []
        for item in attachment_ids or ():
            if isinstance(item, dict):
                pieces.append(dict(item))
            else:
                pieces.append({"pieceJointeComplementaireId": int(item)})
        body = {"identifiantFactureCPP": int(id_facture)}
        if comment:
            body["commentaire"] = comment
        if pieces:
            body["pieceJointeComplementaire"] = pieces
        return self._call(P_COMPLETE, body, idempotent=False)

    def recycle_invoice(self, id_facture, siret, service_code=None, comment=None, engagement=None):
        """``recycler`` an ``A_RECYCLER`` invoice to a new recipient / service
        (NOT idempotent). ``engagement`` (optional) is sent as
        ``reference.numeroBonCommande`` (key name unconfirmed, §5.10).
        Returns the answer dict (``statutFacture`` is ``DEPOSEE``)."""
        destinataire = {"codeDestinataire": normalize_siret(siret)}
        if service_code:
            destinataire["codeServiceExecutant"] = service_code
        body = {"identifiantFactureCPP": int(id_facture), "destinataire": destinataire}
        if comment:
            body["commentaire"] = comment
        if engagement:
            body["reference"] = {"numeroBonCommande": engagement}
        return self._call(P_RECYCLE, body, idempotent=False)

    # ------------------------------------------------------------------
    # Works documents (docs/simulator.md, "Works documents (assumptions)")
    # ------------------------------------------------------------------
    def billing_frames(self, payment_request_type=None):
        """``recuperer/cadrefacturation``: the API codes of the billing frames of a
        ``typeDemandePaiement`` (``FACTURE``, ``FACTURE_TRAVAUX``...; None = all)."""
        body = {"typeDemandePaiement": payment_request_type} if payment_request_type else {}
        answer = self._call(P_BILLING_FRAMES, body, idempotent=True)
        return [
            item.get("codeCadreFacturation")
            for item in as_list(answer.get("listeCadreFacturation"))
            if item.get("codeCadreFacturation")
        ]

    def works_structures(self):
        """``recuperer/structures/actives/facturetravaux``: the user's active structures
        enabled for the "Factures de travaux" space, as ``{"id", "siret", "name"}``."""
        answer = self._call(P_WORKS_STRUCTURES, {}, idempotent=True)
        return [
            {
                "id": _to_int(item.get("idStructureCPP")),
                "siret": normalize_siret(item.get("identifiant")),
                "name": item.get("designationStructure") or "",
            }
            for item in as_list(answer.get("listeStructures"))
        ]

    def works_document(self, id_facture, with_history=True):
        """The works fields of a document (``consulter/fournisseur``, and
        ``consulter/historique`` for Chorus Pro's timestamp of the MOE's 7 days) as a
        plain dict: see ``works.works_document``."""
        detail = self.invoice_detail(id_facture)
        history = self.invoice_history(id_facture) if with_history else None
        return works_document(detail, history)

    def correct_validator(self, id_facture, siret, id_structure=None, service_code=None):
        """``corriger/valideur/facture`` (NOT idempotent): a works document refused for
        a wrong validator goes to the validator ``siret`` (its ``idStructureCPP`` when
        known; ``service_code`` is understood by the simulator only). Returns the
        answer dict (``idFacture``)."""
        body = {
            "idFacture": int(id_facture),
            "identifiantStructure": normalize_siret(siret),
            "typeIdentifiantStructure": "SIRET",
        }
        if id_structure:
            body["idStructure"] = int(id_structure)
        if service_code:
            body["codeServiceValideur"] = service_code
        return self._call(P_CORRECT_VALIDATOR, body, idempotent=False)

    def handle_rejection(self, ids, reason="", details=""):
        """``traiterRejet``: tell Chorus Pro the rejection of these invoices or works
        documents was handled (repeating it changes nothing)."""
        ids = [int(i) for i in ids]
        if not ids:
            raise ValueError("no invoice whose rejection was handled")
        body = {
            "listeDemandePaiement": [{"idDemandePaiement": i} for i in ids],
            "motifRejet": reason or "",
            "cpltInfos": details or "",
        }
        return self._call(P_HANDLE_REJECTION, body, idempotent=True)
