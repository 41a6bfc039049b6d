# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Who pays late: per public body and per service, over the last 12 months, the median and
the worst payment delay (deposit on Chorus Pro to payment ordered, or to today while
unpaid), the invoices paid late and their share, and the interest and indemnity still owed.
A read-only SQL view over the stored figures of ``account_move_payment_delay.py``."""

from odoo import fields, models
from odoo.tools import SQL


class ChorusProPaymentDelayReport(models.Model):
    _name = "chorus.pro.payment.delay.report"
    _description = "Chorus Pro Payment Delays"
    _auto = False
    _rec_name = "partner_id"
    _order = "worst_delay desc"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Public Body", readonly=True)
    service_id = fields.Many2one("chorus.pro.service", readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    late_count = fields.Integer(string="Invoices Paid Late", readonly=True)
    late_share = fields.Float(
        string="Share Paid Late (%)",
        readonly=True,
        aggregator="avg",
        help="Invoices late (paid late, or unpaid past their due date) out of the invoices of the service.",
    )
    median_delay = fields.Float(
        string="Median Delay (days)",
        readonly=True,
        aggregator="max",
        help="Median of the days from the deposit on Chorus Pro to the payment (to today while unpaid) "
        "of the service's invoices; grouped by public body, the highest median of its services.",
    )
    worst_delay = fields.Integer(string="Worst Delay (days)", readonly=True, aggregator="max")
    days_late = fields.Integer(string="Days Late (total)", readonly=True)
    interest_owed = fields.Monetary(
        string="Interest and Indemnity Owed",
        readonly=True,
        help="Moratorium interest and recovery indemnity of the late invoices not marked received.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT
                MIN(move.id) AS id,
                move.company_id,
                company.currency_id,
                move.commercial_partner_id AS partner_id,
                move.chorus_service_id AS service_id,
                COUNT(*) AS invoice_count,
                COUNT(*) FILTER (WHERE move.chorus_delay_late) AS late_count,
                100.0 * COUNT(*) FILTER (WHERE move.chorus_delay_late) / COUNT(*) AS late_share,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY
                    COALESCE(move.chorus_delay_paid_date, CURRENT_DATE) - move.chorus_delay_received_date
                ) AS median_delay,
                MAX(COALESCE(move.chorus_delay_paid_date, CURRENT_DATE) - move.chorus_delay_received_date)
                    AS worst_delay,
                SUM(COALESCE(move.chorus_delay_days_late, 0)) AS days_late,
                SUM(
                    CASE WHEN move.chorus_delay_late AND NOT COALESCE(move.chorus_interest_settled, FALSE)
                    THEN COALESCE(move.chorus_interest_remaining, 0)
                    ELSE 0 END
                ) AS interest_owed
            FROM account_move move
            JOIN res_company company ON company.id = move.company_id
            WHERE move.chorus_delay_received_date IS NOT NULL
              AND (
                move.chorus_delay_paid_date IS NULL
                OR move.chorus_delay_paid_date >= CURRENT_DATE - INTERVAL '12 months'
              )
            GROUP BY move.company_id, company.currency_id, move.commercial_partner_id, move.chorus_service_id
            """
        )
