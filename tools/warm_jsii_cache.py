"""Unpacks the provider assemblies into the jsii runtime's package cache once, at install time (`make install`).

The jsii runtime unpacks each package's assembly into its package cache (``~/.cache/aws/jsii`` unless
``JSII_RUNTIME_PACKAGE_CACHE_ROOT`` says otherwise, one directory per package hash) the first time a process
loads it: about 750 MB and 11 s of CPU for the providers. Loading each provider's ``_jsii`` module once here
does it, so the first synthesis does not; a later package version gets its own entry, nothing goes stale.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import constructs_lib.aws  # noqa: E402,F401 - the lazy loading first: a provider root imports nothing else
import constructs_lib.gcp  # noqa: E402,F401

for package in ("cdktf_cdktf_provider_aws", "cdktf_cdktf_provider_google"):
    importlib.import_module(f"{package}._jsii")
