#!/usr/bin/env python3
"""Generate data/chorus_pro_recipients.json, the Chorus Pro recipients seeded by the module.

Usage: python scripts/gen_recipients_data.py [path/to/universities.csv]

The recipients are the Département de la Seine-Saint-Denis (defined below, from its
supplier invoicing instructions, see ../shared/data/recipients/departement-93.md) and the
French universities of the project's reference list (universities.csv: name, siret, city,
source; see ../shared/data/recipients/universities.md). Every SIRET is checked with
python-stdnum before it is written.

The module reads the file at install and at each update (``res.partner.
_chorus_load_seeded_recipients``, called from data/chorus_pro_recipients.xml): a recipient
whose SIRET is already a company of the database joins it (Chorus Pro settings and
services added, the rest kept), the others are created, and what was seeded once belongs
to the user (an update never rewrites it). Each recipient, contact and service keeps the
external id given here ("xmlid", in the module's namespace): never rename one.
"""

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "recipients" / "universities.csv"
TARGET = ROOT / "data" / "chorus_pro_recipients.json"

DEPARTEMENT_93_HELP = """\
Aide sociale à l'enfance (ASE) : 01 43 93 75 76, du lundi au vendredi, 9h-12h et 14h-16h30.
ASE, hébergement et TAEMO : def-compta-ase-hebergementtaemo@seinesaintdenis.fr
ASE, frais du quotidien : def-compta-ase-fraisduquotidien@seinesaintdenis.fr
PMI (service 132) : def-compta-pmi-depenses@seinesaintdenis.fr
Crèches (service 131) : def-compta-creches-depenses@seinesaintdenis.fr"""

# Département de la Seine-Saint-Denis (93): child welfare (ASE), PMI and crèches. SIRET from
# public sources; services, rules and contacts from the Département's supplier invoicing
# instructions. The Chorus Pro directory remains the authority: synchronise the recipient
# to refresh flags and services.
DEPARTEMENT_93 = {
    "xmlid": "partner_departement_93",
    "siret": "22930008201453",
    "values": {
        "name": "Département de la Seine-Saint-Denis",
        "street": "Hôtel du Département",
        "street2": "1 esplanade Jean-Moulin",
        "zip": "93006",
        "city": "Bobigny Cedex",
        "country": "FR",
        "website": "https://seinesaintdenis.fr",
    },
    "chorus": {"chorus_routing_rule": "service_and_engagement", "chorus_help": DEPARTEMENT_93_HELP},
    # Invoicing contacts
    "contacts": [
        {
            "xmlid": "partner_departement_93_ase_hebergement",
            "name": "ASE - Comptabilité hébergement et TAEMO",
            "type": "invoice",
            "email": "def-compta-ase-hebergementtaemo@seinesaintdenis.fr",
            "phone": "+33 1 43 93 75 76",
        },
        {
            "xmlid": "partner_departement_93_ase_quotidien",
            "name": "ASE - Comptabilité frais du quotidien",
            "type": "invoice",
            "email": "def-compta-ase-fraisduquotidien@seinesaintdenis.fr",
            "phone": "+33 1 43 93 75 76",
        },
        {
            "xmlid": "partner_departement_93_pmi",
            "name": "PMI - Comptabilité dépenses",
            "type": "invoice",
            "email": "def-compta-pmi-depenses@seinesaintdenis.fr",
        },
        {
            "xmlid": "partner_departement_93_creches",
            "name": "Crèches - Comptabilité dépenses",
            "type": "invoice",
            "email": "def-compta-creches-depenses@seinesaintdenis.fr",
        },
    ],
    # Services ("code service exécutant", BT-10); "contact": the xmlid of one of the contacts
    "services": [
        {
            "xmlid": "service_departement_93_ase_538",
            "code": "538",
            "name": "ASE - Approvisionnement / Fourniture du service",
            "beneficiary_required": True,
        },
        {
            "xmlid": "service_departement_93_ase_125",
            "code": "125",
            "name": "ASE - ESMS",
            "beneficiary_required": True,
        },
        {
            "xmlid": "service_departement_93_ase_218",
            "code": "218",
            "name": "ASE - Autres factures",
            "beneficiary_required": True,
        },
        {
            "xmlid": "service_departement_93_pmi_132",
            "code": "132",
            "name": "PMI",
            "contact": "partner_departement_93_pmi",
        },
        {
            "xmlid": "service_departement_93_creches_131",
            "code": "131",
            "name": "Crèches",
            "contact": "partner_departement_93_creches",
        },
    ],
}


def university(row):
    """A university of universities.csv (head-office SIRET, MESR open data, April 2025).
    Santé Psy Étudiant: service code usually not required, engagement number optional."""
    return {
        "xmlid": f"partner_university_{row['siret']}",
        "siret": row["siret"],
        "values": {
            "name": row["name"],
            "city": row["city"],
            "country": "FR",
            "comment": f"Source: {row['source']}",
        },
        "chorus": {"chorus_routing_rule": "none"},
    }


def main(csv_path):
    from stdnum.fr import siret as stdnum_siret

    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["siret"] = stdnum_siret.compact(row["siret"])
    recipients = [DEPARTEMENT_93] + [university(row) for row in rows]
    seen = set()
    for recipient in recipients:
        siret = recipient["siret"]
        stdnum_siret.validate(siret)
        if siret in seen:
            raise SystemExit(f"duplicate SIRET {siret}")
        seen.add(siret)
    document = {
        "_comment": "Generated by scripts/gen_recipients_data.py: do not edit.",
        "recipients": recipients,
    }
    TARGET.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(recipients)} recipients ({len(rows)} universities) to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CSV)
