"""GCP constructs. Importing this package registers the Google provider bindings for on-demand loading.

Constructs live one per module (``constructs_lib.gcp.data_bucket``, ``constructs_lib.gcp.cloud_run_service``,
...); import them from there.
"""

from ..provider_bindings import register_lazily

register_lazily("cdktf_cdktf_provider_google")
