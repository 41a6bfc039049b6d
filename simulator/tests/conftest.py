import pytest
from chorus_pro_simulator import Simulator
from fxutil import TECH_CABINET, TECH_TILLEULS, Client


@pytest.fixture
def sim():
    simulator = Simulator(flow_steps=0)
    yield simulator
    simulator.close()


@pytest.fixture
def server(sim):
    with sim.serve() as running:
        yield running


@pytest.fixture
def client(server):
    """Technical account of Association Les Tilleuls (79876543400021)."""
    return Client(server.url, login=TECH_TILLEULS)


@pytest.fixture
def cabinet(server):
    """Technical account of the psychology practice (81234567600017)."""
    return Client(server.url, login=TECH_CABINET)
