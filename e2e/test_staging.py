"""staging: HTTPS on an imported certificate, an RDS database, blue/green releases (bootstrap + platform)."""

from .steps import RoundTripSteps


class TestStaging(RoundTripSteps):
    environment = "staging"
