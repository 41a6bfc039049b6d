"""Strict local simulator of the Chorus Pro API (PISTE), for tests and development.

from chorus_pro_simulator import Simulator
with Simulator().serve() as server:
    ...  # API base: server.url, token URL: server.url + "/api/oauth/token"
"""

from .errors import AdminError, ApiError, OAuthError
from .simulator import Simulator

__version__ = "1.0.0"

__all__ = ["AdminError", "ApiError", "OAuthError", "Simulator", "SimulatorServer", "__version__"]


def __getattr__(name):
    if name == "SimulatorServer":
        from .server import SimulatorServer

        return SimulatorServer
    raise AttributeError(name)
