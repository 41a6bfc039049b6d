from . import test_recipients
from . import test_invoice_fields
from . import test_security
from . import test_demo_data
from . import test_facturx
from . import test_connector
from . import test_checklist
from . import test_i18n
