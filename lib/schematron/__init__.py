"""The schematron step of the Factur-X validation: the runner (``runner``) and the
worker process it starts (``worker``, runnable as a plain script). No Odoo import."""
