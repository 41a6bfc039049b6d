from . import chorus_pro_service
from . import chorus_pro_beneficiary
from . import chorus_pro_flow
from . import chorus_pro_facturx
from . import res_partner
from . import account_move
