"""Using the constructs from another repository, without this project's config or stacks.

    pip install "duckdb-platform-constructs[aws,gcp] @ git+https://<this repository>"
    python standalone_app.py [outdir]

Import ``constructs_lib`` packages before ``cdktf``: the jsii runtime then starts with on-demand
loading of the provider bindings (see constructs_lib/provider_bindings.py), which saves seconds.
"""

from __future__ import annotations

import sys

import constructs_lib
from constructs_lib import PlatformIdentity
from constructs_lib.aws.data_bucket import DataBucket, DataBucketProps
from constructs_lib.aws.encryption_key import EncryptionKey, EncryptionKeyProps
from constructs_lib.aws.provider import aws_provider
from constructs_lib.gcp.data_bucket import GcsDataBucket, GcsDataBucketProps
from constructs_lib.gcp.provider import google_provider
from constructs_lib.policy import apply_guardrails

from cdktf import App, TerraformOutput, TerraformStack  # isort: skip


def build(outdir: str) -> App:
    app = constructs_lib.app(outdir)  # staged: constructs_lib.synth publishes only a complete, checked output
    identity = PlatformIdentity(project="acme-lake", environment="sandbox")

    aws = TerraformStack(app, "acme-lake-aws")
    aws_provider(aws, region="eu-west-1", tags=identity.aws_tags(), allowed_account_ids=["123456789012"])
    key = EncryptionKey(aws, "key", EncryptionKeyProps(alias=identity.prefix, account_id="123456789012",
                                                       description="acme lake data"))
    bucket = DataBucket(aws, "lake", DataBucketProps(bucket_prefix=f"{identity.name('lake')}-", kms_key_arn=key.arn,
                                                     noncurrent_version_expiration_days=30))
    TerraformOutput(aws, "bucket", value=bucket.name)
    apply_guardrails(aws, production=False)  # a violation fails synth; True adds the production rules

    gcp = TerraformStack(app, "acme-lake-gcp")
    google_provider(gcp, project="acme-lake-sandbox", region="europe-west1", labels=identity.gcp_labels())
    GcsDataBucket(gcp, "lake", GcsDataBucketProps(name="acme-lake-sandbox-lake", location="europe-west1"))
    apply_guardrails(gcp, production=False)
    return app


if __name__ == "__main__":
    constructs_lib.synth(build(sys.argv[1] if len(sys.argv) > 1 else "cdktf.out"))
