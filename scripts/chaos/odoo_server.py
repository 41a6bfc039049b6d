# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""odoo-bin for make chaos: the same server, without the long-polling (gevent) process of
the multi-process mode, which the chaos run does not use (no browser) and which cannot
start in an environment without zope.interface (it would be spawned again and again)."""

import odoo.cli
from odoo.service import server

server.PreforkServer.long_polling_spawn = lambda self: None

if __name__ == "__main__":
    odoo.cli.main()
