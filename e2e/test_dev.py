"""dev: the HTTP-only environment without a database (dev bootstrap + platform), and a release of a new image."""

from .steps import RoundTripSteps


class TestDev(RoundTripSteps):
    environment = "dev"
    release_tag = "1.0.1"
