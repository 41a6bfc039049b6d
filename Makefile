# l10n_fr_chorus_pro developer commands. See README.md.
SHELL := /bin/bash

.PHONY: setup test test-odoo test-pytest sandbox demo bench-facturx bench-chorus i18n

setup:            ## install everything (Debian packages, PostgreSQL, Odoo 19.0, virtualenv)
	bash scripts/setup.sh

test:             ## fresh database + module Odoo tests + pytest; non-zero on failure or no Odoo test
	bash scripts/test.sh

test-odoo:
	SKIP_PYTEST=1 bash scripts/test.sh

test-pytest:
	SKIP_ODOO=1 bash scripts/test.sh
