"""Build the initial directory, accounts and commitments of the simulator."""

import csv
import io
import json
from importlib import resources

# idStructureCPP / idService ranges of the structures read from the CSV files.
QUALIF_STRUCTURE_BASE = 26400000
QUALIF_SERVICE_BASE = 36400000
UNIVERSITY_STRUCTURE_BASE = 25700000

STATE_SIRET = "11000201100044"


def _data_text(name):
    return resources.files(__package__).joinpath("data").joinpath(name).read_text(encoding="utf-8")


def make_structure(
    id_structure,
    siret,
    name,
    *,
    public,
    active=True,
    service_required=False,
    ej_required=False,
    ej_or_service=False,
    payment_status_not_reported=False,
    identifier_type="SIRET",
    address=None,
    email="",
    vat="",
    is_state=False,
    role=None,
    works=False,
):
    return {
        "idStructureCPP": id_structure,
        "identifiantStructure": siret,
        "typeIdentifiantStructure": identifier_type,
        "raisonSociale": name,
        "typeStructure": "PUBLIQUE" if public else "PRIVEE",
        "statut": "ACTIVE" if active else "INACTIVE",
        "email": email or "",
        "numeroTVA": vat or "",
        "estEtat": bool(is_state),
        "role": role,
        # Enabled for the "Factures de travaux" space (works-invoicing.md §2).
        "factureTravaux": bool(works),
        "adresse": dict(address or {"pays": "FR"}),
        "parametres": {
            "codeServiceDoitEtreRenseigne": bool(service_required),
            "numeroEJDoitEtreRenseigne": bool(ej_required),
            "gestionNumeroEJOuCodeService": bool(ej_or_service),
            "statutMiseEnPaiementNestPasRemonte": bool(payment_status_not_reported),
            "connexionEDI": False,
            "recevoirDonneesViaEDI": False,
            "estMoaUniquement": False,
            "getaMoa": False,
            "estValideurDelegue": False,
            "nonDiffusibleInsee": False,
        },
    }


def make_service(
    id_service,
    id_structure,
    code,
    name,
    *,
    description="",
    active=True,
    ej_required=False,
    payment=True,
    valid_from="2020-01-01",
    valid_to=None,
    created="2020-01-01",
    address=None,
):
    service = {
        "idService": id_service,
        "idStructure": id_structure,
        "codeService": code,
        "libelleService": name,
        "descriptionService": description or name,
        "estActif": bool(active),
        "numeroEngagement": bool(ej_required),
        "miseEnPaiement": bool(payment),
        "dateDebutValidite": valid_from,
        "dateFinValidite": valid_to,
        "dateCreation": created,
    }
    if address:
        service["adresse"] = dict(address)
    return service


def qualification_flags(role):
    """Directory flags inferred from the role label of qualification-structures.csv."""
    label = role.lower()
    flags = {"service_required": False, "ej_required": False, "ej_or_service": False}
    if "ej ou service" in label:
        flags["ej_or_service"] = True
    elif "service obligatoire" in label:
        flags["service_required"] = True
    elif "ej obligatoire" in label:
        flags["ej_required"] = True
    return flags


def university_address(city, row=None):
    """The ``adresse`` of a university: its city, and its street and postal code when known."""
    address = {"ville": city, "pays": "FR"}
    if row:
        address.update(adresse=row["adresse"].strip(), codePostal=row["codePostal"].strip())
    return address


def build_seed():
    """Return the seed state: a dict of tables (see ``Simulator._empty_tables``)."""
    seed = json.loads(_data_text("seed.json"))
    structures, services, accounts, engagements, clients = {}, {}, {}, {}, {}
    by_siret = {}

    def add_structure(struct):
        structures[struct["idStructureCPP"]] = struct
        by_siret[struct["identifiantStructure"]] = struct["idStructureCPP"]

    for item in seed["structures"]:
        struct = make_structure(
            item["idStructureCPP"],
            item["siret"],
            item["name"],
            public=item["public"],
            service_required=item.get("service_required", False),
            ej_required=item.get("ej_required", False),
            ej_or_service=item.get("ej_or_service", False),
            address=item.get("address"),
            email=item.get("email"),
            vat=item.get("numeroTVA"),
            role=item.get("role") or ("Fournisseur" if not item["public"] else "Destinataire"),
            works=item.get("works", False),
        )
        add_structure(struct)
        for svc in item.get("services", []):
            services[svc["idService"]] = make_service(
                svc["idService"],
                struct["idStructureCPP"],
                svc["code"],
                svc["name"],
                description=svc.get("description", ""),
                valid_from=svc.get("valid_from", "2020-01-01"),
                valid_to=svc.get("valid_to"),
                address=svc.get("address"),
            )

    # Chorus Pro qualification structures (one CSV row per service).
    rows = list(csv.DictReader(io.StringIO(_data_text("qualification-structures.csv"))))
    next_structure = QUALIF_STRUCTURE_BASE
    next_service = QUALIF_SERVICE_BASE
    for row in rows:
        siret = row["siret"].strip()
        role = row["role"].strip()
        if siret not in by_siret:
            next_structure += 1
            is_state = role.lower().startswith("destinataire etat")
            public = role.lower().startswith("destinataire") or role == "MOA"
            add_structure(
                make_structure(
                    next_structure,
                    siret,
                    f"{role} (structure de qualification)",
                    public=public,
                    is_state=is_state,
                    role=role,
                    address={
                        "adresse": "Structure de qualification Chorus Pro",
                        "codePostal": "75012",
                        "ville": "Paris",
                        "pays": "FR",
                    },
                    **qualification_flags(role),
                )
            )
        code = row["service_code"].strip()
        if code:
            next_service += 1
            services[next_service] = make_service(
                next_service,
                by_siret[siret],
                code,
                "Service Etat" if code == "SFACETAT" else f"Service {code}",
            )

    # French universities (no flags, no services), with the head office's postal address
    # (universities-addresses.csv: the simulator's directory, illustrative).
    rows = list(csv.DictReader(io.StringIO(_data_text("universities.csv"))))
    addresses = {
        row["siret"].strip(): row
        for row in csv.DictReader(io.StringIO(_data_text("universities-addresses.csv")))
    }
    for number, row in enumerate(rows, start=1):
        siret = row["siret"].strip()
        if siret in by_siret:
            continue
        add_structure(
            make_structure(
                UNIVERSITY_STRUCTURE_BASE + number,
                siret,
                row["name"].strip(),
                public=True,
                role="Universite",
                address=university_address(row["city"].strip(), addresses.get(siret)),
            )
        )

    for item in seed["technical_accounts"]:
        accounts[item["login"]] = {
            "login": item["login"],
            "password": item["password"],
            "nom": item.get("nom", ""),
            "prenom": item.get("prenom", ""),
            "email": item.get("email", ""),
            "structures": [by_siret[s] for s in item["structures"]],
        }
    for item in seed["engagements"]:
        receiver = by_siret[item["receiver"]]
        issuer = by_siret[item["issuer"]]
        service = next(
            (
                s
                for s in services.values()
                if s["idStructure"] == issuer and s["codeService"] == item["service"]
            ),
            None,
        )
        engagements[item["idEngagementJuridique"]] = {
            "idEngagementJuridique": item["idEngagementJuridique"],
            "numeroEngagementJuridique": item["numero"],
            "idStructureReceptrice": receiver,
            "idStructureEmettrice": issuer,
            "idServiceExecutant": service["idService"] if service else None,
            "typeEngagementJuridique": item["type"],
            "etat": item["etat"],
            "dateNotificationEJ": item["dateNotification"],
            "montantTotalTtc": item["montantTotalTtc"],
            "deviseEngagement": item["devise"],
            "numeroMarche": item.get("numeroMarche", ""),
        }
    for item in seed["piste_clients"]:
        clients[item["client_id"]] = {"client_id": item["client_id"], "client_secret": item["client_secret"]}
    return {
        "structure": structures,
        "service": services,
        "account": accounts,
        "engagement": engagements,
        "client": clients,
    }
