"""Unpacks the provider assemblies into the jsii runtime's package cache once, at install time (`make install`).

The library's command does the work (``python -m constructs_lib.jsii_cache``, which consumers run too); this
script runs it from the checkout.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from constructs_lib.jsii_cache import main  # noqa: E402

sys.exit(main())
