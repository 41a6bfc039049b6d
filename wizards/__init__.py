from . import chorus_pro_complete_wizard
from . import chorus_pro_recycle_wizard
from . import chorus_pro_deposit_wizard
from . import chorus_pro_deposit_wizard_line
from . import chorus_pro_reissue_wizard
from . import chorus_pro_care_month_wizard
from . import chorus_pro_care_month_wizard_line
from . import account_move_send_batch_wizard
