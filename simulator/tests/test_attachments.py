"""ajouter/fichier: attachment upload rules (reference §5.8, §6.2)."""

import pytest
from fxutil import b64

ATTACH = "/cpro/transverses/v1/ajouter/fichier"


def body(content=b"%PDF-1.4 annexe", name="annexe.pdf", mime="application/pdf", extension="PDF"):
    return {
        "pieceJointeFichier": b64(content) if isinstance(content, bytes) else content,
        "pieceJointeNom": name,
        "pieceJointeTypeMime": mime,
        "pieceJointeExtension": extension,
    }


def test_upload_returns_an_id(sim, client):
    first = client.ok(ATTACH, body())["pieceJointeId"]
    second = client.ok(ATTACH, body(name="releve.xlsx", extension="xlsx", mime="application/vnd.ms-excel"))[
        "pieceJointeId"
    ]
    assert isinstance(first, int) and isinstance(second, int) and first != second
    assert sim.state_summary()["attachments"] == 2


def test_attachment_larger_than_10_mb(client):
    payload = client.error(ATTACH, body(content=b"0" * (10 * 1024 * 1024 + 1)))
    assert payload["codeRetour"] == 20003


def test_attachment_name_longer_than_50(client):
    name = "a" * 47 + ".pdf"
    assert len(name) == 51
    assert client.error(ATTACH, body(name=name))["codeRetour"] == 20009
    client.ok(ATTACH, body(name="a" * 46 + ".pdf"))


@pytest.mark.parametrize("extension", ["EXE", "JS", "", "PHP"])
def test_attachment_extension_not_allowed(client, extension):
    payload = client.error(ATTACH, body(extension=extension))
    assert payload["codeRetour"] in (20010, 20008)


def test_attachment_invalid_content(client):
    assert client.error(ATTACH, body(content="***"))["codeRetour"] == 20004
    assert client.error(ATTACH, body(content=b""))["codeRetour"] == 20005
    payload = body()
    del payload["pieceJointeNom"]
    assert client.error(ATTACH, payload)["codeRetour"] == 20008
