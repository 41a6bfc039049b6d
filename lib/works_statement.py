# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Monthly statements of public works contracts (CCAG-Travaux 2021), no Odoo import.

A works contract is priced by a schedule of items:

* **lump-sum items** (DPGF, décomposition du prix global et forfaitaire): an amount,
  valued each month at the percentage of the item done ("phase commencée: pourcentage
  de son montant", CCAG-Travaux 2021 art. 12.1.3);
* **unit-price items** (BPU, bordereau des prix unitaires): a unit price and the
  quantity the contract estimates, valued at the quantity done × the unit price. "Les
  prix unitaires ne sont jamais fractionnés" (art. 12.1.3): the unit price is applied
  whole, to the quantity actually done (which may be 12.5 m²).

Amendments (avenants) add items, change an item (same code) or its quantity: the
contract total is the initial total plus the amendments' effect.

The monthly statement (projet de décompte mensuel, art. 12.1) states the **cumulative**
amount due since the notification, at the contract's initial prices, without price
update or revision, excluding VAT; per item the previous cumulative, this month and the
new cumulative; then supplies (approvisionnements), bonuses (primes) and reimbursed
expenses (débours) as cumulative amounts. The amount of the month is the new cumulative
less the previous one: each cumulative is rounded to the cent, then subtracted, so that
twelve months never drift from the cumulative by a cent.

Deductions of the month (same "cumulative then difference" rule):

* the **retention guarantee** (retenue de garantie, CCP R2191-32 to R2191-35): at most
  5 % of the initial contract plus its amendments (R2191-33); replaced by a bank
  guarantee (garantie à première demande, caution) it is 0. Computed here on the
  cumulative amount excluding VAT and capped at the rate × the contract total excluding
  VAT (assumption: some CCAPs compute it on amounts including VAT; docs/works.md);
* the **advance repayment** (remboursement de l'avance): repaid linearly while the
  cumulative amount of the works goes from 65 % to 80 % of the contract total. Source:
  CCP R2191-11 as summarised by secondary sources (repayment "commence au plus tard"
  at 65 % and "doit être terminé" at 80 % of the amount of the services); the exact
  text and the linear schedule (the usual CCAP clause) were not read from Légifrance.

Amounts are :class:`decimal.Decimal`, rounded half-up to the cent. Checks return
:class:`Problem` objects with a ``code`` and ``params``: the caller words them in the
user's language.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from .chorus.statuses import FRAMES as _CHORUS_FRAMES

LUMP_SUM = "lump_sum"
UNIT = "unit"
KINDS = (LUMP_SUM, UNIT)

HOLDER = "holder"
SUBCONTRACTOR = "subcontractor"
CO_CONTRACTOR = "co_contractor"
REPRESENTATIVE = "representative"
ROLES = (HOLDER, SUBCONTRACTOR, CO_CONTRACTOR, REPRESENTATIVE)

MONTHLY = "monthly"
FINAL = "final"
GENERAL = "general"  # the general and final statement signed by the holder (DGD, A8)
TACIT_DRAFT = "tacit_draft"  # the holder's general statement draft, tacit procedure (A22)
TACIT = "tacit"  # the tacit general and final statement (DGD tacite, A23)
STATEMENT_KINDS = (MONTHLY, FINAL, GENERAL, TACIT_DRAFT, TACIT)
# The statements after the final one, that settle the contract (décompte général).
GENERAL_KINDS = (GENERAL, TACIT_DRAFT, TACIT)

# The frames are defined once, in lib/chorus/codes.json (short code, API string, kind of
# document, roles): a statement of ``kind`` is filed in the supplier frames of that kind
# of document for the company's role. Holder: A4, A7, A8, A22, A23 (Chorus Pro's supplier
# frame list); subcontractor paid directly: A10, A11 (A11 is in go-choruspro, not in that
# list); co-contractor: A13, A14. The representative (mandataire) of a group files as
# holder.
DOCUMENT_KINDS = {
    MONTHLY: "monthly_statement",
    FINAL: "final_statement",
    GENERAL: "general_statement",
    TACIT_DRAFT: "tacit_general_statement_draft",
    TACIT: "tacit_general_statement",
}
FRAME_ROLES = {
    HOLDER: HOLDER,
    REPRESENTATIVE: HOLDER,
    SUBCONTRACTOR: SUBCONTRACTOR,
    CO_CONTRACTOR: CO_CONTRACTOR,
}
FRAMES = {
    (role, kind): tuple(
        code
        for code, row in _CHORUS_FRAMES.items()
        if row.get("works") and row["kind"] == document and FRAME_ROLES[role] in row["roles"]
    )
    for role in ROLES
    for kind, document in DOCUMENT_KINDS.items()
}
FRAMES = {key: frames for key, frames in FRAMES.items() if frames}

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_RETENTION_RATE = Decimal(5)
ADVANCE_START = Decimal("0.65")
ADVANCE_END = Decimal("0.80")


def allowed_frames(role, kind):
    """The frames a contractor of ``role`` files a statement of ``kind`` in (a tuple,
    empty when none)."""
    return FRAMES.get((role, kind), ())


def dec(value):
    """A Decimal from an int, a str or a float (the decimal written, not the binary)."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def cents(value):
    return dec(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Item:
    """One item of the price schedule. ``price``: the lump sum of a DPGF item, the unit
    price of a BPU item; ``quantity``: the contract's quantity of a BPU item (1 for a
    lump sum)."""

    code: str
    name: str
    kind: str = LUMP_SUM
    price: Decimal = Decimal(0)
    quantity: Decimal = Decimal(1)
    unit: str = ""

    @property
    def total(self):
        if self.kind == LUMP_SUM:
            return cents(self.price)
        return cents(dec(self.price) * dec(self.quantity))

    def value(self, progress):
        """The amount of ``progress``: a percentage of a lump sum, a quantity of a unit
        item (the unit price applied whole)."""
        if self.kind == LUMP_SUM:
            return cents(dec(self.price) * dec(progress) / HUNDRED)
        return cents(dec(self.price) * dec(progress))


@dataclass(frozen=True)
class Amendment:
    """An avenant: ``items`` added, or replacing the item of the same code (new price
    or quantity)."""

    number: str
    items: tuple = ()


def schedule(items, amendments=()):
    """The price schedule in force: the initial items, then each amendment's items in
    order (same code: replaced, new code: added). A list, in order of first
    appearance."""
    current = {}
    for item in items:
        current[item.code] = item
    for amendment in amendments:
        for item in amendment.items:
            current[item.code] = item
    return list(current.values())


def contract_total(items, amendments=()):
    """Total of the contract excluding VAT, with its amendments."""
    return sum((item.total for item in schedule(items, amendments)), Decimal(0))


@dataclass(frozen=True)
class Progress:
    """An item's progress in a statement: ``previous`` and ``cumulative`` (percentages
    of a lump sum, quantities of a unit item); ``reason`` explains a cumulative below the
    previous one (a correction agreed with the MOE)."""

    code: str
    previous: Decimal = Decimal(0)
    cumulative: Decimal = Decimal(0)
    reason: str = ""


@dataclass(frozen=True)
class Extra:
    """Supplies, bonuses or reimbursed expenses: previous and new cumulative amounts."""

    kind: str  # "supplies", "bonuses", "expenses"
    label: str
    previous: Decimal = Decimal(0)
    cumulative: Decimal = Decimal(0)
    reason: str = ""


EXTRA_KINDS = ("supplies", "bonuses", "expenses")


@dataclass(frozen=True)
class Line:
    item: Item
    previous: Decimal
    month: Decimal
    cumulative: Decimal
    previous_amount: Decimal
    month_amount: Decimal
    cumulative_amount: Decimal


@dataclass(frozen=True)
class Problem:
    """A readable problem: ``code`` in cumulative_down, beyond_contract, over_100,
    negative, unknown_item, retention_rate; ``params`` to word it."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Statement:
    lines: list
    extras: list
    contract_total: Decimal
    works_previous: Decimal
    works_cumulative: Decimal
    works_month: Decimal
    extras_previous: Decimal
    extras_cumulative: Decimal
    extras_month: Decimal
    total_previous: Decimal
    total_cumulative: Decimal
    total_month: Decimal
    retention_previous: Decimal
    retention_cumulative: Decimal
    retention_month: Decimal
    advance_previous: Decimal
    advance_cumulative: Decimal
    advance_month: Decimal
    net_month: Decimal  # total of the month less retention and advance repayment, excl. VAT


def retention(cumulative, total, rate, bank_guarantee=False):
    """Cumulative retention on a cumulative amount excluding VAT: ``rate`` % of it,
    capped at ``rate`` % of the contract ``total`` (with amendments); 0 under a bank
    guarantee."""
    rate = dec(rate)
    if bank_guarantee or rate <= 0:
        return Decimal(0)
    cap = cents(dec(total) * rate / HUNDRED)
    return min(cents(dec(cumulative) * rate / HUNDRED), cap)


def advance_repaid(cumulative, total, advance):
    """Cumulative amount of the advance repaid when the works reach ``cumulative`` out of
    ``total``: nothing below 65 %, all of it from 80 %, linearly in between (CCP
    R2191-11 as summarised by secondary sources; see the module docstring)."""
    advance, total = dec(advance), dec(total)
    if advance <= 0 or total <= 0:
        return Decimal(0)
    ratio = dec(cumulative) / total
    if ratio <= ADVANCE_START:
        return Decimal(0)
    if ratio >= ADVANCE_END:
        return cents(advance)
    return cents(advance * (ratio - ADVANCE_START) / (ADVANCE_END - ADVANCE_START))


def compute(items, progress, extras=(), amendments=(), retention_rate=0, bank_guarantee=False, advance=0):
    """The statement of ``progress`` (a list of :class:`Progress`) on the schedule of
    ``items`` with ``amendments``; items without progress count at their previous =
    cumulative = 0. Unknown codes are ignored here (see :func:`check`)."""
    current = schedule(items, amendments)
    by_code = {p.code: p for p in progress}
    lines = []
    for item in current:
        p = by_code.get(item.code) or Progress(item.code)
        previous, cumulative = dec(p.previous), dec(p.cumulative)
        previous_amount, cumulative_amount = item.value(previous), item.value(cumulative)
        lines.append(
            Line(
                item=item,
                previous=previous,
                month=cumulative - previous,
                cumulative=cumulative,
                previous_amount=previous_amount,
                month_amount=cumulative_amount - previous_amount,
                cumulative_amount=cumulative_amount,
            )
        )
    total = contract_total(items, amendments)
    works_previous = sum((line.previous_amount for line in lines), Decimal(0))
    works_cumulative = sum((line.cumulative_amount for line in lines), Decimal(0))
    extras_previous = sum((cents(e.previous) for e in extras), Decimal(0))
    extras_cumulative = sum((cents(e.cumulative) for e in extras), Decimal(0))
    total_previous = works_previous + extras_previous
    total_cumulative = works_cumulative + extras_cumulative
    retention_previous = retention(total_previous, total, retention_rate, bank_guarantee)
    retention_cumulative = retention(total_cumulative, total, retention_rate, bank_guarantee)
    advance_previous = advance_repaid(works_previous, total, advance)
    advance_cumulative = advance_repaid(works_cumulative, total, advance)
    total_month = total_cumulative - total_previous
    retention_month = retention_cumulative - retention_previous
    advance_month = advance_cumulative - advance_previous
    return Statement(
        lines=lines,
        extras=list(extras),
        contract_total=total,
        works_previous=works_previous,
        works_cumulative=works_cumulative,
        works_month=works_cumulative - works_previous,
        extras_previous=extras_previous,
        extras_cumulative=extras_cumulative,
        extras_month=extras_cumulative - extras_previous,
        total_previous=total_previous,
        total_cumulative=total_cumulative,
        total_month=total_month,
        retention_previous=retention_previous,
        retention_cumulative=retention_cumulative,
        retention_month=retention_month,
        advance_previous=advance_previous,
        advance_cumulative=advance_cumulative,
        advance_month=advance_month,
        net_month=total_month - retention_month - advance_month,
    )


def check(items, progress, extras=(), amendments=(), retention_rate=0):
    """Readable problems of a statement (a list, empty when fine): a cumulative below
    the previous one without a reason, a percentage above 100, a negative progress, the
    works beyond the contract total (with its amendments), an unknown item, a retention
    rate above 5 %. A unit item beyond the contract's estimated quantity is not a
    problem by itself (BPU quantities are estimates): only the contract total is."""
    problems = []
    rate = dec(retention_rate)
    if rate < 0 or rate > MAX_RETENTION_RATE:
        problems.append(Problem("retention_rate", {"rate": rate, "maximum": MAX_RETENTION_RATE}))
    current = {item.code: item for item in schedule(items, amendments)}
    for p in progress:
        item = current.get(p.code)
        if item is None:
            problems.append(Problem("unknown_item", {"item": p.code}))
            continue
        previous, cumulative = dec(p.previous), dec(p.cumulative)
        if cumulative < 0 or previous < 0:
            problems.append(Problem("negative", {"item": item.code, "cumulative": cumulative}))
        if cumulative < previous and not (p.reason or "").strip():
            problems.append(
                Problem(
                    "cumulative_down",
                    {"item": item.code, "previous": previous, "cumulative": cumulative},
                )
            )
        if item.kind == LUMP_SUM and cumulative > HUNDRED:
            problems.append(Problem("over_100", {"item": item.code, "cumulative": cumulative}))
    for extra in extras:
        if dec(extra.cumulative) < dec(extra.previous) and not (extra.reason or "").strip():
            problems.append(
                Problem(
                    "cumulative_down",
                    {
                        "item": extra.label,
                        "previous": dec(extra.previous),
                        "cumulative": dec(extra.cumulative),
                    },
                )
            )
    result = compute(items, [p for p in progress if p.code in current], amendments=amendments)
    if result.works_cumulative > result.contract_total:
        problems.append(
            Problem(
                "beyond_contract",
                {"cumulative": result.works_cumulative, "total": result.contract_total},
            )
        )
    return problems


# ---------------------------------------------------------------------------
# End of the contract: final statement, general statement (DGD), tacit procedure
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FinalBalance:
    """The recap of a final statement (projet de décompte final, CCAG-Travaux 2021 art.
    12.3), as the contractor can state the état du solde: the works at the initial prices
    (the final cumulative), what the previous statements already claimed, the balance of
    this final statement, the advance received and repaid, the retention withheld."""

    total: Decimal
    claimed: Decimal
    balance: Decimal
    advance: Decimal
    advance_repaid: Decimal
    advance_left: Decimal
    retention: Decimal


def final_balance(total_cumulative, claimed, advance, advance_repaid, retention_cumulative):
    """:class:`FinalBalance` of a final statement: ``total_cumulative`` its cumulative
    (works and extras), ``claimed`` the amounts of the previous statements (an iterable),
    ``advance`` received, ``advance_repaid`` in total (this statement included),
    ``retention_cumulative`` withheld in total."""
    total = cents(total_cumulative)
    claimed = sum((cents(amount) for amount in claimed), Decimal(0))
    advance, repaid = cents(advance), cents(advance_repaid)
    return FinalBalance(
        total=total,
        claimed=claimed,
        balance=total - claimed,
        advance=advance,
        advance_repaid=repaid,
        advance_left=max(advance - repaid, Decimal(0)),
        retention=cents(retention_cumulative),
    )


@dataclass(frozen=True)
class GeneralBalance:
    """What the general statement (décompte général) books: the ``difference`` between
    its amount and what the statements invoiced (an invoice when positive, a credit note
    when negative, nothing to pay when zero), the advance still to repay, and the
    retention on the general amount less the retention already withheld."""

    amount: Decimal
    invoiced: Decimal
    difference: Decimal
    advance_left: Decimal
    retention_cumulative: Decimal
    retention_month: Decimal


def general_balance(
    amount,
    invoiced,
    contract_total,
    advance=0,
    advance_repaid=0,
    retention_rate=0,
    bank_guarantee=False,
    retention_withheld=0,
):
    """:class:`GeneralBalance` of a general statement of ``amount`` (excluding VAT) when
    the contract's statements invoiced ``invoiced`` (works and extras, excluding VAT, at
    the initial prices: the difference carries the price revisions and the penalties of
    the general statement) and repaid ``advance_repaid`` of the ``advance``."""
    amount, invoiced = cents(amount), cents(invoiced)
    withheld = cents(retention_withheld)
    cumulative = retention(amount, contract_total, retention_rate, bank_guarantee)
    return GeneralBalance(
        amount=amount,
        invoiced=invoiced,
        difference=amount - invoiced,
        advance_left=max(cents(advance) - cents(advance_repaid), Decimal(0)),
        retention_cumulative=cumulative,
        retention_month=cumulative - withheld,
    )


def deadline(start, days):
    """The day ``days`` days after ``start`` (a date or datetime): the end of a delay of the
    general statement procedure (None without a start)."""
    if start is None:
        return None
    if hasattr(start, "date"):
        start = start.date()
    return start + timedelta(days=int(days))


def delay_passed(start, days, today):
    """True when the delay of ``days`` days from ``start`` has passed on ``today``."""
    end = deadline(start, days)
    return end is not None and today > end
