"""The reference point of bench_synth.py (make bench): the smallest cdktf app using both prebuilt providers the ordinary way.

One resource per provider, imported as the provider packages document it, so the root ``__init__``
of each package runs and loads every resource module.
"""

import sys

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_google.storage_bucket import StorageBucket

app = App(outdir=sys.argv[1])
stack = TerraformStack(app, "hello-world")
AwsProvider(stack, "aws", region="us-east-1")
S3Bucket(stack, "bucket", bucket="hello-world-bucket")
GoogleProvider(stack, "google", project="hello-world-project", region="us-central1")
StorageBucket(stack, "storage", name="hello-world-storage", location="US")
app.synth()
