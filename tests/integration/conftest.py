import pytest

from channels_sms.simulator import SimulatorServer


@pytest.fixture
def simulator(live_server, settings):
    """The provider simulator, calling back the live server (tests with their own
    accounts or delays define their own)."""
    settings.PUBLIC_BASE_URL = live_server.url
    with SimulatorServer(port=0) as server:
        settings.SMS_SIMULATOR_URL = server.url
        yield server
