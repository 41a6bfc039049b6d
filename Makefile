# l10n_fr_chorus_pro developer commands. See README.md.
SHELL := /bin/bash

.PHONY: setup test test-odoo test-pytest test-packaging wheel sandbox demo bench-facturx bench-chorus bench-render bench-sync chaos i18n lint

setup:            ## install everything (Debian packages, PostgreSQL, Odoo 19.0, virtualenv)
	bash scripts/setup.sh

test:             ## fresh database + module Odoo tests + pytest + packaging; non-zero on failure or no Odoo test
	bash scripts/test.sh

test-odoo:
	SKIP_PYTEST=1 SKIP_PACKAGING=1 bash scripts/test.sh

test-pytest:
	SKIP_ODOO=1 SKIP_PACKAGING=1 bash scripts/test.sh

test-packaging:   ## build the wheel, install it into a fresh virtualenv, install the module from it on a fresh database
	bash scripts/test_packaging.sh

wheel:            ## build dist/odoo_addon_l10n_fr_chorus_pro-<version>-py3-none-any.whl (whool)
	bash scripts/build_wheel.sh

sandbox:          ## start the Chorus Pro simulator on 127.0.0.1:8090 (state kept in var/sandbox.sqlite)
	mkdir -p var && .venv/bin/chorus-pro-simulator serve --host 127.0.0.1 --port $${SANDBOX_PORT:-8090} --state var/sandbox.sqlite --advance on_poll --flow-steps 1

bench-facturx:    ## benchmark our Factur-X path against Odoo core's (N invoices, default 20)
	bash benchmarks/run_facturx.sh $${N:-20}

bench-chorus:     ## deposit N invoices (default 500) to the simulator, sync 1000 statuses
	bash benchmarks/run_chorus.sh $${N:-500}

bench-render:     ## compare the invoice renderers for Chorus Pro (N invoices, default 20): wkhtmltopdf ours/core, WeasyPrint
	bash benchmarks/run_renderers.sh $${N:-20}

demo:             ## demo database + simulator + Odoo on 127.0.0.1, companies connected to the simulator
	bash scripts/demo.sh

i18n:             ## re-export the translation template and update i18n/fr.po
	bash scripts/i18n_update.sh

lint:             ## style: pre-commit hooks on every file (ruff, pylint-odoo, prettier)
	bash scripts/lint.sh

bench-sync:       ## status sync cron at scale: N invoices (default 20000) across COMPANIES (default 10)
	bash benchmarks/run_sync_scale.sh

chaos:            ## N invoices (default 2000) through two Odoo servers (--workers 2) while faults are injected; not part of make test
	bash scripts/chaos.sh
