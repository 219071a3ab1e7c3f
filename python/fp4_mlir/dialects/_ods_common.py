# The generated op wrappers import their helpers from a sibling _ods_common;
# ours are the upstream mlir package's (fp4_mlir is hosted by it).
from mlir.dialects._ods_common import *  # noqa: F401,F403
from mlir.dialects._ods_common import _cext  # noqa: F401
