# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A recipient's registered name and address, from the Chorus Pro directory.

Every directory read of a recipient (its first use on an invoice, the *Read from the
Chorus Pro directory* button, the weekly directory cron, *Add a public body by SIRET*)
hands the directory's name and head-office address (``consulter``:
``adressePostaleDuSiege``) to :meth:`ResPartner._chorus_apply_directory_address`:

* an empty field is filled;
* a field still holding what the directory gave last time follows the directory;
* a field the user typed differently is never overwritten: the directory's value is kept
  as a *proposal*, shown on the partner form with *Use the directory's address* and
  *Keep mine*. *Keep mine* remembers the refused values: the same proposal does not come
  back, a new directory value does.

Values are compared without case, accents and punctuation ("UNIVERSITE" is "Université").
"""

import unicodedata

from markupsafe import Markup

from odoo import api, fields, models

# Partner fields read from the directory, in the order they are shown.
DIRECTORY_FIELDS = ("name", "street", "street2", "zip", "city", "country_id")


def same_text(left, right):
    """Whether two directory values are the same, case, accents and punctuation aside."""

    def key(value):
        text = unicodedata.normalize("NFKD", str(value or "")).casefold()
        text = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
        return " ".join(text.split())

    return key(left) == key(right)


class ResPartner(models.Model):
    _inherit = "res.partner"

    chorus_directory_proposal = fields.Json(
        string="Chorus Pro Directory Proposal",
        readonly=True,
        copy=False,
        help="The name and address fields where the Chorus Pro directory says something "
        "else than what was typed here, with the directory's values.",
    )
    chorus_directory_applied = fields.Json(readonly=True, copy=False)
    chorus_directory_dismissed = fields.Json(readonly=True, copy=False)
    chorus_address_sync_date = fields.Datetime(
        string="Address Read From the Directory", readonly=True, copy=False
    )
    chorus_directory_diff = fields.Html(
        string="Chorus Pro Directory Says",
        compute="_compute_chorus_directory_diff",
        sanitize=False,
    )
    chorus_directory_pending = fields.Boolean(compute="_compute_chorus_directory_diff")

    @api.depends("chorus_directory_proposal", *DIRECTORY_FIELDS)
    def _compute_chorus_directory_diff(self):
        for partner in self:
            proposal = partner.chorus_directory_proposal or {}
            partner.chorus_directory_pending = bool(proposal)
            if not proposal:
                partner.chorus_directory_diff = False
                continue
            rows = Markup().join(
                Markup("<tr><th>%s</th><td>%s</td><td><strong>%s</strong></td></tr>")
                % (
                    partner._fields[fname].string,
                    partner._chorus_display_value(fname, partner._chorus_field_value(fname)) or "—",
                    partner._chorus_display_value(fname, proposal[fname]),
                )
                for fname in DIRECTORY_FIELDS
                if fname in proposal
            )
            partner.chorus_directory_diff = Markup(
                '<table class="table table-sm mb-2 o_chorus_directory_diff">'
                "<thead><tr><th></th><th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>"
            ) % (self.env._("Yours"), self.env._("Chorus Pro directory"), rows)

    def _chorus_field_value(self, fname):
        """The partner's value of ``fname`` as stored in the directory Json fields."""
        value = self[fname]
        return value.id if fname == "country_id" else (value or "")

    def _chorus_display_value(self, fname, value):
        if fname == "country_id":
            return self.env["res.country"].browse(value).exists().name if value else ""
        return value or ""

    @api.model
    def _chorus_directory_values(self, entry):
        """``{field: value}`` of the non-empty name and address fields of a directory
        ``entry`` (``ChorusClient.get_directory_entry``): the directory never empties a
        field."""
        address = entry.get("address") or {}
        values = {
            "name": entry.get("name") or "",
            "street": address.get("street") or "",
            "street2": address.get("street2") or "",
            "zip": address.get("zip") or "",
            "city": address.get("city") or "",
        }
        country = (address.get("country") or "").strip()
        if country:
            Country = self.env["res.country"]
            found = (
                Country.search([("code", "=", country.upper())], limit=1)
                if len(country) == 2
                else Country.search([("name", "=ilike", country)], limit=1)
            )
            values["country_id"] = found.id
        return {fname: value for fname, value in values.items() if value}

    def _chorus_apply_directory_address(self, entry):
        """Take the name and address of the directory ``entry`` (see the module
        docstring): fill the empty fields, follow the directory on the fields it gave,
        propose what differs from what the user typed. Returns the fields written."""
        self.ensure_one()
        directory = self._chorus_directory_values(entry)
        applied = dict(self.chorus_directory_applied or {})
        dismissed = self.chorus_directory_dismissed or {}
        write, proposal = {}, {}
        for fname, value in directory.items():
            mine = self._chorus_field_value(fname)
            if same_text(mine, value):
                applied[fname] = value
            elif not mine or (fname in applied and same_text(mine, applied[fname])):
                write[fname] = value
                applied[fname] = value
            elif not (fname in dismissed and same_text(dismissed[fname], value)):
                proposal[fname] = value
        vals = dict(
            write,
            chorus_directory_applied=applied,
            chorus_directory_proposal=proposal or False,
            chorus_address_sync_date=fields.Datetime.now(),
        )
        self.sudo().write(vals)
        if write:
            self.sudo().message_post(
                body=self.env._(
                    "Read from the Chorus Pro directory: %(fields)s.",
                    fields=", ".join(
                        f"{self._fields[fname].string} ({self._chorus_display_value(fname, write[fname])})"
                        for fname in DIRECTORY_FIELDS
                        if fname in write
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return write

    def _chorus_address_complete(self):
        self.ensure_one()
        return bool(self.street and self.zip and self.city)

    def action_chorus_use_directory_address(self):
        """Replace the differing name and address fields with the directory's."""
        for partner in self.filtered("chorus_directory_proposal"):
            proposal = dict(partner.chorus_directory_proposal)
            dismissed = {
                key: value
                for key, value in (partner.chorus_directory_dismissed or {}).items()
                if key not in proposal
            }
            partner.write(
                dict(
                    {fname: proposal[fname] for fname in DIRECTORY_FIELDS if fname in proposal},
                    chorus_directory_applied=dict(partner.chorus_directory_applied or {}, **proposal),
                    chorus_directory_proposal=False,
                    chorus_directory_dismissed=dismissed or False,
                )
            )
        return True

    def action_chorus_keep_my_address(self):
        """Keep the typed name and address: the same proposal does not come back."""
        for partner in self.filtered("chorus_directory_proposal"):
            partner.write(
                {
                    "chorus_directory_dismissed": dict(
                        partner.chorus_directory_dismissed or {}, **partner.chorus_directory_proposal
                    ),
                    "chorus_directory_proposal": False,
                }
            )
        return True
