"""Structures API (validated against the official Swagger), EJ search, directory seed."""

import csv
import datetime
import os
import pathlib

import pytest
from chorus_pro_simulator import swagger
from fxutil import SIRET_D93, SIRET_STATE

SEARCH = "/cpro/structures/v1/rechercher"
CONSULT = "/cpro/structures/v1/consulter"
SERVICES = "/cpro/structures/v1/rechercher/services"
SERVICE = "/cpro/structures/v1/consulter/service"
EJ = "/cpro/engagementsJuridiques/v1/rechercher"
PACKAGE_DATA = pathlib.Path(swagger.__file__).parent / "data"
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def shared_data_dir():
    """The shared reference data: ``$CHORUS_PRO_SHARED_DATA``, else ``shared/data`` in the
    repository's parent directory (``../shared/data``), or in a further ancestor (a git
    worktree may sit deeper than the main checkout)."""
    if os.environ.get("CHORUS_PRO_SHARED_DATA"):
        return pathlib.Path(os.environ["CHORUS_PRO_SHARED_DATA"])
    for parent in REPOSITORY.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return REPOSITORY.parent / "shared" / "data"


SHARED = shared_data_dir()


def shared_file(*parts):
    """A shared reference file; skips the test (saying where it looked) when absent."""
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        pytest.skip(
            f"shared reference data not found: {path} (set CHORUS_PRO_SHARED_DATA "
            "to the shared/data directory to compare the package copies)"
        )
    return path


def assert_swagger(path, answer):
    """The answer matches the Swagger 200 schema of ``path`` (independent check)."""
    _request_def, response_def = swagger.operation_definitions(path)
    assert swagger.errors(response_def, answer) == []


def find(client, siret):
    answer = client.ok(
        SEARCH, {"structure": {"identifiantStructure": siret, "typeIdentifiantStructure": "SIRET"}}
    )
    assert_swagger(SEARCH, answer)
    assert len(answer["listeStructures"]) == 1
    return answer["listeStructures"][0]["idStructureCPP"]


def services_of(client, id_structure, **block):
    answer = client.ok(
        SERVICES,
        {
            "idStructure": id_structure,
            "parametresRechercherServicesStructure": {"nbResultatsParPage": 50, **block},
        },
    )
    assert_swagger(SERVICES, answer)
    return answer["listeServices"]


def test_d93_full_sequence(client):
    id_structure = find(client, SIRET_D93)
    assert id_structure == 25493001
    detail = client.ok(CONSULT, {"idStructureCPP": id_structure, "codeLangue": "FR"})
    assert_swagger(CONSULT, detail)
    assert "informationGenerales" in detail and "informationsGenerales" not in detail
    infos = detail["informationGenerales"]
    assert infos["identifiantStructure"] == SIRET_D93
    assert infos["structurePriveePublique"] == "PUBLIQUE"
    assert detail["parametres"]["codeServiceDoitEtreRenseigne"] is True
    assert detail["parametres"]["numeroEJDoitEtreRenseigne"] is True
    assert detail["parametres"]["gestionNumeroEJOuCodeService"] is False
    assert detail["adressePostaleDuSiege"]["codePostal"] == "93006"

    services = services_of(client, id_structure)
    codes = {s["codeService"]: s for s in services}
    assert set(codes) == {"538", "125", "218", "132", "131", "FACTURES_PUBLIQUES"}
    assert codes["538"]["libelleService"] == "ASE - Approvisionnement / Fourniture du service"
    for service in services:
        assert service["estActif"] is True
        datetime.datetime.strptime(service["dateDbtService"], "%Y-%m-%d %H:%M")
        datetime.datetime.strptime(service["dateFinService"], "%Y-%m-%d %H:%M")

    answer = client.ok(SERVICE, {"idStructure": id_structure, "idService": codes["538"]["idService"]})
    assert_swagger(SERVICE, answer)
    assert "informationsGenerales" in answer and "informationGenerales" not in answer
    assert answer["informationsGenerales"]["codeService"] == "538"
    assert answer["parametres"]["numeroEngagement"] is False
    start = datetime.datetime.fromisoformat(answer["parametres"]["dateDebutValidite"])
    assert start.date() == datetime.date(2020, 1, 1) and start.utcoffset() is not None


def test_service_dates_are_extra_properties_allowed_by_the_swagger():
    definition = swagger.load_swagger()["definitions"]["ServiceExpose"]
    assert "dateDbtService" not in definition["properties"]
    assert definition.get("additionalProperties", True) is not False
    assert (
        swagger.errors(
            "ServiceExpose", {"idService": 1, "codeService": "X", "dateDbtService": "2020-01-01 00:00"}
        )
        == []
    )


def test_inactive_and_dated_services_are_listed(sim, client):
    sim.add_service(
        SIRET_D93, "900", "Ancien service", active=False, valid_from="2019-01-01", valid_to="2021-12-31"
    )
    services = {s["codeService"]: s for s in services_of(client, 25493001)}
    assert services["900"]["estActif"] is False
    assert services["900"]["statutService"] == "INACTIF"
    assert services["900"]["dateFinService"] == "2021-12-31 00:00"


def test_services_pagination_and_sort(client):
    page = services_of(
        client,
        25493001,
        nbResultatsParPage=4,
        pageResultatDemandee=2,
        triColonne="CodeService",
        triSens="Descendant",
    )
    assert [s["codeService"] for s in page] == ["131", "125"]


def test_search_by_name_and_pagination(client):
    answer = client.ok(
        SEARCH,
        {
            "structure": {"raisonSocialeStructure": "universit"},
            "parametres": {
                "nbResultatsParPage": 25,
                "pageResultatDemandee": 3,
                "triColonne": "DesignationStructure",
                "triSens": "Ascendant",
            },
        },
    )
    assert_swagger(SEARCH, answer)
    with open(PACKAGE_DATA / "universities.csv", encoding="utf-8") as handle:
        universities = list(csv.DictReader(handle))
    total = answer["parametresRetour"]["total"]
    assert total >= len(universities) == 69
    assert answer["parametresRetour"]["pages"] == -(-total // 25)
    assert len(answer["listeStructures"]) == total - 50


def test_search_public_only_and_status(sim, client):
    sim.add_structure("21930077000012", "Commune dissoute", public=True, active=False)
    answer = client.ok(
        SEARCH, {"structure": {"identifiantStructure": "21930077000012", "statutStructure": "INACTIF"}}
    )
    assert answer["listeStructures"][0]["statut"] == "INACTIVE"
    answer = client.ok(
        SEARCH,
        {"structure": {"identifiantStructure": "81234567600017"}, "restreindreStructuresPrivees": True},
    )
    assert answer["listeStructures"] == []


def test_requests_are_validated_against_the_swagger(client):
    payload = client.error(SEARCH, {"structure": {"typeIdentifiantStructure": "SIREN"}})
    assert payload["codeRetour"] == 20018
    assert "typeIdentifiantStructure" in payload["libelle"]
    payload = client.error(CONSULT, {"idStructureCPP": "vingt-cinq"})
    assert payload["codeRetour"] == 20018
    payload = client.error(
        SERVICES, {"idStructure": 25493001, "parametresRechercherServicesStructure": {"triColonne": "Code"}}
    )
    assert payload["codeRetour"] == 20018


def test_unknown_structure_and_service(client):
    assert client.error(CONSULT, {"idStructureCPP": 1})["codeRetour"] == 20016
    assert client.error(CONSULT, {})["codeRetour"] == 20008
    assert client.error(SERVICES, {"idStructure": 1})["codeRetour"] == 20016
    assert client.error(SERVICE, {"idStructure": 25493001, "idService": 1})["codeRetour"] == 20017


def test_qualification_structures_and_flags(client):
    expectations = {
        "12345678200028": ("codeServiceDoitEtreRenseigne", ["SERVICE_DEST_SERV_OBL"]),
        "12345678200036": ("numeroEJDoitEtreRenseigne", []),
        "12345678200044": ("gestionNumeroEJOuCodeService", ["SERVICE_DEST_EJ_OU_SERV_OBL"]),
        "12345678200051": (None, []),
        SIRET_STATE: (None, ["SFACETAT"]),
        "98125730567914": (None, ["Acheteur", "SERVICE_PUBLIQUE_1_98125730567914"]),
    }
    for siret, (flag, codes) in expectations.items():
        id_structure = find(client, siret)
        detail = client.ok(CONSULT, {"idStructureCPP": id_structure})
        assert_swagger(CONSULT, detail)
        raised = [
            k
            for k in (
                "codeServiceDoitEtreRenseigne",
                "numeroEJDoitEtreRenseigne",
                "gestionNumeroEJOuCodeService",
            )
            if detail["parametres"][k]
        ]
        assert raised == ([flag] if flag else []), siret
        assert sorted(s["codeService"] for s in services_of(client, id_structure)) == sorted(codes)
    supplier = client.ok(CONSULT, {"idStructureCPP": find(client, "93125027408770")})
    assert supplier["informationGenerales"]["structurePriveePublique"] == "PRIVEE"


def test_every_university_is_seeded(client):
    with open(PACKAGE_DATA / "universities.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            answer = client.ok(SEARCH, {"structure": {"identifiantStructure": row["siret"]}})
            (found,) = answer["listeStructures"]
            assert found["designationStructure"] == row["name"]
            detail = client.ok(CONSULT, {"idStructureCPP": found["idStructureCPP"]})
            assert not any(detail["parametres"].values())
            assert services_of(client, found["idStructureCPP"]) == []


def test_supplier_structures_seed(client, cabinet):
    assert find(client, "81234567600017") == 26311001
    assert find(client, "79876543400021") == 26311003
    assert find(client, "53535353600035") == 26311004
    detail = cabinet.ok(CONSULT, {"idStructureCPP": 26311001})
    assert detail["informationGenerales"]["raisonSocialeStructure"] == "Cabinet de psychologie Claire Martin"
    # The password expiry date is given for the caller's own structures.
    assert "dateExpirationMotPasseCompteTech" in detail["informationGenerales"]
    answer = cabinet.ok("/cpro/transverses/v1/recuperer/structures/actives/fournisseur")
    assert {s["identifiant"] for s in answer["listeStructures"]} == {"81234567600017", "93125027408770"}


def test_engagement_search(client, cabinet):
    answer = client.ok(
        EJ,
        {
            "numeroEngagementJuridique": "EJ2026-000123",
            "structureReceptriceEngagementJuridique": "26311003",
            "etatCourantEngagementJuridique": "COMMANDE",
        },
    )
    (ej,) = answer["listeEngagementJuridique"]
    assert ej["numeroEngagementJuridique"] == "EJ2026-000123"
    assert ej["identifiantStructureReceptrice"] == "79876543400021"
    assert ej["codeServiceExecutant"] == "538"
    assert ej["libelleEtatCourantEJ"] == "COMMANDE"
    assert answer["parametresRetour"]["total"] == 1
    assert client.ok(EJ, {})["parametresRetour"]["total"] == 2
    assert client.ok(EJ, {"numeroEngagementJuridique": "EJ-INCONNU"})["listeEngagementJuridique"] == []
    # EJs are only visible to the receiving supplier.
    assert cabinet.ok(EJ, {"numeroEngagementJuridique": "EJ2026-000123"})["listeEngagementJuridique"] == []


def test_added_structure_is_searchable(sim, client):
    id_structure = sim.add_structure(
        "21930088000014", "Commune avec EJ ou service", public=True, ej_or_service=True
    )
    id_service = sim.add_service(
        id_structure, "COMPTA", "Comptabilite", ej_required=True, valid_to="2030-12-31"
    )
    assert find(client, "21930088000014") == id_structure
    detail = client.ok(CONSULT, {"idStructureCPP": id_structure})
    assert detail["parametres"]["gestionNumeroEJOuCodeService"] is True
    answer = client.ok(SERVICE, {"idStructure": id_structure, "idService": id_service})
    assert answer["parametres"]["numeroEngagement"] is True
    assert answer["parametres"]["dateFinValidite"].startswith("2030-12-31T")


def test_swagger_copy_is_byte_identical():
    shared = shared_file("chorus-pro", "structures-api.swagger.json").read_bytes()
    assert swagger.swagger_bytes() == shared


@pytest.mark.parametrize(
    "parts", [("chorus-pro", "qualification-structures.csv"), ("recipients", "universities.csv")]
)
def test_csv_copies_are_byte_identical(parts):
    shared = shared_file(*parts)
    assert (PACKAGE_DATA / parts[-1]).read_bytes() == shared.read_bytes()


def test_answers_are_validated_against_the_swagger(monkeypatch, client):
    from chorus_pro_simulator import routes

    def broken(sim, account, body):
        return {
            "codeRetour": 0,
            "libelle": "TRA_MSG_00.000",
            "informationGenerales": {"idStructureCPP": "not-an-integer"},
        }

    monkeypatch.setitem(routes.POST_ROUTES, CONSULT, broken)
    response = client.post(CONSULT, {"idStructureCPP": 25493001})
    assert response.status_code == 500
    assert "WsRetourConsulterStructureTVAIntraCom" in response.json()["libelle"]


def test_every_university_has_a_postal_address(client):
    """The directory gives each university's head office address (street, postal code,
    city), as ``consulter`` does for real structures."""
    with open(PACKAGE_DATA / "universities.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        detail = client.ok(CONSULT, {"idStructureCPP": find(client, row["siret"])})
        address = detail["adressePostaleDuSiege"]
        assert address["ville"] == row["city"], row["siret"]
        assert address["adresse"] and address["pays"] == "FR", row["siret"]
        assert len(address["codePostal"]) == 5 and address["codePostal"].isdigit(), row["siret"]


def test_service_address_is_its_own_or_the_structure_s(sim, client):
    id_structure = sim.add_structure(
        "21930066000017",
        "Commune avec services",
        public=True,
        address={"adresse": "Place de la Mairie", "codePostal": "93000", "ville": "Bobigny", "pays": "FR"},
    )
    own = sim.add_service(
        id_structure,
        "CCAS",
        "Centre communal",
        address={"adresse": "2 rue du Centre", "codePostal": "93000", "ville": "Bobigny", "pays": "FR"},
    )
    plain = sim.add_service(id_structure, "VOIRIE", "Voirie")
    answer = client.ok(SERVICE, {"idStructure": id_structure, "idService": own})
    assert answer["adressePostale"]["adresse"] == "2 rue du Centre"
    answer = client.ok(SERVICE, {"idStructure": id_structure, "idService": plain})
    assert answer["adressePostale"]["adresse"] == "Place de la Mairie"
