"""dev: the HTTP-only environment without a database (dev bootstrap + platform)."""

from .steps import RoundTripSteps


class TestDev(RoundTripSteps):
    environment = "dev"
