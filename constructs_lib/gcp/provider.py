"""The providers configured the way every GCP stack of the library expects."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_google.provider import GoogleProvider
from constructs import Construct


def google_provider(scope: Construct, *, project: str, region: str, labels: Mapping[str, str]) -> GoogleProvider:
    """Adds the Google provider for ``project``/``region`` with ``labels`` on every resource that takes labels."""
    provider = GoogleProvider(scope, "google", project=project, region=region)
    # Set through an override: cdktf 0.21 rewrites the keys of a provider's top-level map attribute
    # to snake_case ("managed-by" would become "managed_by"); overrides are written verbatim.
    # (Map attributes of resources, such as labels or resource limits, are written verbatim.)
    provider.add_override("default_labels", dict(labels))
    return provider
