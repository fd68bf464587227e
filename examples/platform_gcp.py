"""A consumer app on GCP from the patterns alone: an API, a worker without a load balancer, a web frontend.

    pip install "duckdb-platform-constructs[gcp] @ git+https://<this repository>"
    python platform_gcp.py [outdir]
"""

from __future__ import annotations

import sys

import constructs_lib
from constructs_lib import PlatformIdentity
from constructs_lib.gcp.patterns import (
    DATA_BUCKET_NAME, Alerting, ContainerImage, DataAccess, DatabaseSpec, HealthCheck, LoadBalancerSpec, RoleGrant,
    Scaling, ServiceSpec, ServiceUrl, WebPlatform, WebPlatformProps,
)
from constructs_lib.gcp.provider import google_provider
from constructs_lib.policy import apply_guardrails

from cdktf import App, TerraformOutput, TerraformStack  # isort: skip  (after constructs_lib: fast provider loading)

PROJECT, REGION = "acme-shop-prod", "europe-west1"


def build(outdir: str) -> App:
    app = constructs_lib.app(outdir)  # staged: constructs_lib.synth publishes only a complete, checked output
    stack = TerraformStack(app, "acme-shop-gcp")
    identity = PlatformIdentity("acme-shop", "prod")
    google_provider(stack, project=PROJECT, region=REGION, labels=identity.gcp_labels())
    image = ContainerImage.platform_repository
    shop = WebPlatform(stack, "shop", WebPlatformProps(
        identity=identity, project=PROJECT, region=REGION,
        services=(
            ServiceSpec("api", image("2.3.1"), port=8080, health_check=HealthCheck("/healthz"), routes=("/api", "/api/*"),
                        memory_mib=1024, scaling=Scaling(min_instances=2, max_instances=10),
                        environment={"BUCKET": DATA_BUCKET_NAME}, data_access=DataAccess.READ_WRITE, database_access=True),
            ServiceSpec("worker", image("2.3.1"), port=None, health_check=HealthCheck("/healthz"),
                        command=("python", "-m", "shop.worker"), scaling=Scaling(min_instances=2, max_instances=3),
                        data_access=DataAccess.READ_WRITE, database_access=True, permissions=(
                            RoleGrant("roles/storage.objectViewer", "projects/_/buckets/acme-orders-export"),)),
            ServiceSpec("web", image("5.0.0"), port=3000, scaling=Scaling(min_instances=2, max_instances=6),
                        environment={"API_URL": ServiceUrl("api", "/api")}),
        ),
        load_balancer=LoadBalancerSpec(("shop.example.com",)),
        database=DatabaseSpec(tier="db-custom-2-7680", database_name="shop"),
        alerting=Alerting("oncall@example.com"),
        log_retention_days=90,
    ))
    apply_guardrails(stack, production=True)
    TerraformOutput(stack, "url", value=shop.url)
    TerraformOutput(stack, "load_balancer_ip", value=shop.load_balancer_ip)
    TerraformOutput(stack, "registry_url", value=shop.registry_url)
    return app


if __name__ == "__main__":
    constructs_lib.synth(build(sys.argv[1] if len(sys.argv) > 1 else "cdktf.out"))
