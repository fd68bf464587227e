"""A consumer app on AWS from the patterns alone: an API, a worker without a load balancer, a web frontend.

    pip install "duckdb-platform-constructs[aws] @ git+https://<this repository>"
    python platform_aws.py [outdir]
"""

from __future__ import annotations

import sys

import constructs_lib
from constructs_lib import PlatformIdentity
from constructs_lib.aws.patterns import (
    DATA_BUCKET_NAME, Alerting, ContainerImage, DataAccess, DatabaseSpec, HealthCheck, Https, LoadBalancerSpec,
    NetworkSpec, Scaling, ServiceSpec, ServiceUrl, Statement, WebPlatform, WebPlatformProps,
)
from constructs_lib.aws.provider import aws_provider
from constructs_lib.policy import apply_guardrails

from cdktf import App, TerraformOutput, TerraformStack  # isort: skip  (after constructs_lib: fast provider loading)

ACCOUNT, REGION = "123456789012", "eu-west-1"
ORDERS_QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:acme-orders"


def build(outdir: str) -> App:
    app = constructs_lib.app(outdir)  # staged: constructs_lib.synth publishes only a complete, checked output
    stack = TerraformStack(app, "acme-shop-aws")
    identity = PlatformIdentity("acme-shop", "prod")
    aws_provider(stack, region=REGION, tags=identity.aws_tags(), allowed_account_ids=[ACCOUNT])
    image = ContainerImage.platform_repository
    shop = WebPlatform(stack, "shop", WebPlatformProps(
        identity=identity, account_id=ACCOUNT, region=REGION,
        network=NetworkSpec("10.40.0.0/16", ("eu-west-1a", "eu-west-1b", "eu-west-1c")),
        services=(
            ServiceSpec("api", image("2.3.1"), cpu=0.5, memory_mib=1024, port=8080, health_check=HealthCheck("/healthz"),
                        routes=("/api", "/api/*"), scaling=Scaling(min_instances=2, max_instances=10),
                        environment={"BUCKET": DATA_BUCKET_NAME}, data_access=DataAccess.READ_WRITE,
                        database_access=True),
            ServiceSpec("worker", image("2.3.1"), port=None, command=("python", "-m", "shop.worker"),
                        scaling=Scaling(min_instances=2, max_instances=4), data_access=DataAccess.READ_WRITE, database_access=True, permissions=(Statement(
                            "ReadOrders", ("sqs:ReceiveMessage", "sqs:DeleteMessage"), (ORDERS_QUEUE,)),)),
            ServiceSpec("web", image("5.0.0"), port=3000, scaling=Scaling(min_instances=2, max_instances=6),
                        environment={"API_URL": ServiceUrl("api", "/api")}),
        ),
        load_balancer=LoadBalancerSpec(https=Https("shop.example.com", hosted_zone_id="Z0123456789EXAMPLE")),
        database=DatabaseSpec(instance_class="db.t4g.large", database_name="shop"),
        alerting=Alerting("oncall@example.com"),
        log_retention_days=90,
    ))
    apply_guardrails(stack, production=True)
    TerraformOutput(stack, "url", value=shop.url)
    TerraformOutput(stack, "api_url", value=shop.service_url("api"))
    TerraformOutput(stack, "worker_role_arn", value=shop.task_role_arn("worker"))
    for name, repository in shop.repositories.items():
        TerraformOutput(stack, f"{name}_repository", value=repository.url)
    return app


if __name__ == "__main__":
    constructs_lib.synth(build(sys.argv[1] if len(sys.argv) > 1 else "cdktf.out"))
