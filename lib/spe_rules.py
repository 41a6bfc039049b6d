# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rules of Santé Psy Étudiant (the student psychological support scheme), no Odoo import.

What the service's own code prescribes (github.com/betagouv/sante-psy, see
docs/sante-psy-etudiant.md): the university year runs from 1 September to 31 August;
a student's sessions are counted per university year and those beyond the cap in
force on their date are not billed; a session is priced by its date (first session
or not); the invoice has one row per date with the number of sessions and of first
sessions.
"""

import re
from datetime import date

# A pseudonymous student code: 4 to 20 letters, digits or hyphens, at least one digit
# (a word of letters only looks like a name: refused).
STUDENT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,18}[A-Z0-9]$")
# The national student number (INE): 11 characters, 9 or 10 digits/letters then 1 or 2
# letters (INE-RNIE, INE-BEA, INE-Base 99, ...): 10 letters or digits and a final letter.
INE_RE = re.compile(r"^[0-9A-Z]{10}[A-Z]$")


def normalize_code(code):
    """A code as stored: upper case, no surrounding spaces."""
    return (code or "").strip().upper()


def student_code_problem(code):
    """Why ``code`` is not a valid pseudonymous student code, or None."""
    value = normalize_code(code)
    if not STUDENT_CODE_RE.match(value):
        return "format"
    if not any(char.isdigit() for char in value):
        return "name"
    return None


def ine_valid(ine):
    return bool(INE_RE.match(normalize_code(ine)))


def university_year(day):
    """The university year of ``day``: (first day, last day, label "2024-2025")."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return (
        date(start_year, 9, 1),
        date(start_year + 1, 8, 31),
        f"{start_year}-{start_year + 1}",
    )


def rule_on(rules, day):
    """The rule (a mapping with at least ``date_from``) in force on ``day``: the one with
    the latest ``date_from`` not after it; None before the first one."""
    found = None
    for rule in sorted(rules, key=lambda r: r["date_from"]):
        if rule["date_from"] <= day:
            found = rule
    return found


def beyond_cap(sessions, rules):
    """The keys of the sessions beyond the cap.

    ``sessions``: (key, student, date) tuples; ``rules``: mappings with ``date_from`` and
    ``cap``. Per student and university year, in date order, a session is within the cap
    when fewer sessions within the cap precede it than the cap in force on its date;
    the sessions beyond the cap are not counted. Across the price change of 1 July 2024
    (cap 8, then 12) a student with 8 sessions (or more) before it goes on at the 9th.
    """
    counts = {}
    result = set()
    for key, student, day in sorted(sessions, key=lambda s: (s[2], str(s[0]))):
        rule = rule_on(rules, day)
        bucket = (student, university_year(day)[2])
        done = counts.get(bucket, 0)
        if rule is None or (rule["cap"] and done >= rule["cap"]):
            result.add(key)
        else:
            counts[bucket] = done + 1
    return result


def invoice_rows(sessions, rules):
    """Invoice lines of the billed sessions: one per date and price.

    ``sessions``: (key, date, first) tuples; ``rules``: mappings with ``date_from``,
    ``first_price`` and ``other_price``. Returns dicts (date, price, count, first_count,
    keys) sorted by date, then price (highest first): one row per date when the first
    sessions cost the same as the others.
    """
    rows = {}
    for key, day, first in sessions:
        rule = rule_on(rules, day)
        price = rule["first_price"] if first else rule["other_price"]
        row = rows.setdefault(
            (day, price), {"date": day, "price": price, "count": 0, "first_count": 0, "keys": []}
        )
        row["count"] += 1
        row["first_count"] += 1 if first else 0
        row["keys"].append(key)
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], -k[1]))]
