"""Reusable CDK for Terraform constructs for a containerized analytics platform on AWS and GCP.

Import the cloud you need: ``constructs_lib.aws`` or ``constructs_lib.gcp``. Each construct takes a
frozen props dataclass with documented, secure defaults and reads no files, environment variables
or environment names, so it can be used alone from any cdktf app. This package root imports neither
cdktf nor a provider, so importing it is free.
"""

from .naming import PlatformIdentity

__all__ = ["PlatformIdentity"]
