"""Unpacks the provider bindings into the jsii runtime's package cache ahead of the first synthesis.

    python -m constructs_lib.jsii_cache

The jsii runtime unpacks each package's JavaScript assembly into its package cache (``~/.cache/aws/jsii`` unless
``JSII_RUNTIME_PACKAGE_CACHE_ROOT`` says otherwise, one directory per package version and hash) the first time a
process loads it: about 780 MB for cdktf and the two providers, 20-30 s of CPU for the first synthesis that needs
them. This command does it once for the providers installed (``[aws]``, ``[gcp]``), e.g. in a CI step whose cache
restores that directory keyed on the lock file; a later version gets an entry of its own, nothing goes stale.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time

#: The prebuilt provider bindings the patterns use, by the ``constructs_lib`` package that loads them.
PROVIDERS: dict[str, str] = {"constructs_lib.aws": "cdktf_cdktf_provider_aws",
                             "constructs_lib.gcp": "cdktf_cdktf_provider_google"}


def warm() -> list[str]:
    """Loads cdktf and every installed provider's assembly once; returns the providers loaded."""
    loaded = []
    for library, package in PROVIDERS.items():
        if importlib.util.find_spec(package) is None:
            continue
        importlib.import_module(library)  # the lazy loading first: a provider root imports nothing else
        importlib.import_module(f"{package}._jsii")
        loaded.append(package)
    importlib.import_module("cdktf")
    return loaded


def main() -> int:
    started = time.monotonic()
    loaded = warm()
    print(f"jsii package cache warm for cdktf and {', '.join(loaded) or 'no provider (install [aws] or [gcp])'} "
          f"in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
