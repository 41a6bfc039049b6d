"""Per-invoice rejection rules: identifiers and ``libelleErreurDP`` templates.

Each rejected invoice of a flow produces one ``listeErreurDP`` entry per broken rule.
The real API only returns the French text; the rule identifiers below are used in the
simulator documentation and code only.  Two texts are real Chorus Pro messages
(``SELLER_UNKNOWN`` adapted from the UBL tag of the official example to the CII tag,
``PAYMENT_MEANS`` verbatim); the others are simulator texts in the same style.
"""

XML_SETTLEMENT = "FichierXml.SupplyChainTradeTransaction.ApplicableHeaderTradeSettlement"
XML_AGREEMENT = "FichierXml.SupplyChainTradeTransaction.ApplicableHeaderTradeAgreement"

RULES = {
    "NOT_PDF": "Le fichier {fichier} n'est pas un fichier PDF lisible : la demande de "
    "paiement ne peut pas etre traitee.",
    "NO_FACTURX_XML": "Le fichier {fichier} ne contient pas de fichier XML Factur-X "
    "(factur-x.xml) : le fichier n'est pas conforme a la syntaxe {syntaxe}.",
    "NOT_XML": "Le fichier {fichier} n'est pas un fichier XML lisible : la demande de "
    "paiement ne peut pas etre traitee.",
    "XSD": "Le fichier XML de la demande de paiement n'est pas conforme au schema XSD "
    "de la syntaxe {syntaxe} : {detail}",
    "UNEXPECTED_FILE": "Le fichier {fichier} n'est pas accepte dans un flux de syntaxe {syntaxe}.",
    "TYPE_CODE": "Le type de facture {valeur} (balise : FichierXml.ExchangedDocument."
    "TypeCode.value) n'est pas accepte par Chorus Pro.",
    "INVOICE_NUMBER_TOO_LONG": "Le numero de facture {valeur} (balise : FichierXml."
    "ExchangedDocument.ID.value) depasse la longueur maximale autorisee de 20 "
    "caracteres.",
    "INVOICE_DATE_FUTURE": "La date de facture {valeur} (balise : FichierXml."
    "ExchangedDocument.IssueDateTime) est posterieure a la date de depot.",
    "SELLER_UNKNOWN": "L'identifiant fournisseur de la demande de paiement (balise : "
    + XML_AGREEMENT
    + ".SellerTradeParty.SpecifiedLegalOrganization.ID.value) n'est pas reference "
    "dans notre systeme.",
    "SELLER_INACTIVE": "La structure fournisseur {siret} n'est pas active dans Chorus Pro.",
    "SELLER_NOT_ATTACHED": "L'utilisateur {login} n'est pas rattache a la structure "
    "fournisseur {siret} : il ne peut pas deposer de demande de paiement pour cette "
    "structure.",
    "BUYER_UNKNOWN": "L'identifiant destinataire de la demande de paiement (balise : "
    + XML_AGREEMENT
    + ".BuyerTradeParty.SpecifiedLegalOrganization.ID.value) n'est pas reference "
    "dans notre systeme.",
    "BUYER_INACTIVE": "La structure destinataire {siret} n'est pas active dans Chorus Pro.",
    "BUYER_NOT_PUBLIC": "La structure destinataire {siret} n'est pas une structure "
    "publique : elle ne peut pas recevoir de demande de paiement.",
    "SERVICE_REQUIRED": "Le code service est obligatoire pour la structure "
    "destinataire {siret} (balise : " + XML_AGREEMENT + ".BuyerReference.value).",
    "SERVICE_UNKNOWN": "Le code service {code} n'est pas reference pour la structure destinataire {siret}.",
    "SERVICE_INACTIVE": "Le service {code} de la structure destinataire {siret} n'est pas actif.",
    "SERVICE_NOT_VALID": "Le service {code} de la structure destinataire {siret} n'est "
    "pas valide a la date du {date} (validite du {debut} au {fin}).",
    "SERVICE_FACTURES_PUBLIQUES": "Le service FACTURES_PUBLIQUES de la structure "
    "destinataire {siret} est exclusivement dedie a la facturation intra-sphere "
    "publique : une facture fournisseur ne peut pas lui etre adressee.",
    "EJ_REQUIRED": "Le numero d'engagement est obligatoire pour la structure "
    "destinataire {siret} (balise : "
    + XML_AGREEMENT
    + ".BuyerOrderReferencedDocument.IssuerAssignedID.value).",
    "EJ_REQUIRED_BY_SERVICE": "Le numero d'engagement est obligatoire pour le service "
    "{code} de la structure destinataire {siret} (balise : "
    + XML_AGREEMENT
    + ".BuyerOrderReferencedDocument.IssuerAssignedID.value).",
    "EJ_OR_SERVICE_REQUIRED": "Le code service ou le numero d'engagement doit etre "
    "renseigne pour la structure destinataire {siret}.",
    "EJ_TOO_LONG": "Le numero d'engagement {valeur} (balise : "
    + XML_AGREEMENT
    + ".BuyerOrderReferencedDocument.IssuerAssignedID.value) depasse la longueur "
    "maximale autorisee de 50 caracteres.",
    "MARKET_NUMBER_TOO_LONG": "Le numero de marche {valeur} (balise : "
    + XML_AGREEMENT
    + ".ContractReferencedDocument.IssuerAssignedID.value) depasse la longueur "
    "maximale autorisee de 50 caracteres.",
    "DUPLICATE": "La facture {valeur} a deja ete deposee par le fournisseur {siret} : "
    "le numero de facture doit etre unique pour un fournisseur.",
    "PAYMENT_MEANS": "L'element "
    + XML_SETTLEMENT
    + ".SpecifiedTradeSettlementPaymentMeans.TypeCode.value est obligatoire.",
}


def message(rule, **values):
    return RULES[rule].format(**values)
