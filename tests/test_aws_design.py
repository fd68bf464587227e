"""The platform design's fixed values, read from the synthesized AWS stacks (not from config).

A config change that departs from the design (say prod max_capacity 20 -> 19) fails here by name.
"""

from __future__ import annotations

from .conftest import Synthesized
from .helpers import by_prefix, resources

DESIGN_SIZES = {"dev": {"backend": ("256", "512"), "frontend": ("256", "512")},
                "prod": {"backend": ("1024", "2048"), "frontend": ("512", "1024")}}
DESIGN_SCALING = {"dev": (1, 3, 70), "prod": (2, 20, 60)}
DESIGN_RETENTION = {"dev": 7, "staging": 14, "prod": 90}


def test_task_sizes(synthesized: Synthesized) -> None:
    for environment, sizes in DESIGN_SIZES.items():
        stack = synthesized.stack("aws", environment)
        for service, size in sizes.items():
            _, task = by_prefix(stack, "aws_ecs_task_definition", f"{service}_service_")
            assert (task["cpu"], task["memory"]) == size, (environment, service)


def test_scaling_bounds_target_and_prod_cooldowns(synthesized: Synthesized) -> None:
    for environment, expected in DESIGN_SCALING.items():
        stack = synthesized.stack("aws", environment)
        for service in ("backend", "frontend"):
            _, target = by_prefix(stack, "aws_appautoscaling_target", f"{service}_autoscaling")
            _, cpu = by_prefix(stack, "aws_appautoscaling_policy", f"{service}_autoscaling_cpu")
            tracking = cpu["target_tracking_scaling_policy_configuration"]
            assert (target["min_capacity"], target["max_capacity"], tracking["target_value"]) == expected
            if environment == "prod":
                assert (tracking["scale_out_cooldown"], tracking["scale_in_cooldown"]) == (300, 600)


def test_log_retention(synthesized: Synthesized) -> None:
    for environment, days in DESIGN_RETENTION.items():
        groups = resources(synthesized.stack("aws", environment), "aws_cloudwatch_log_group")
        assert groups and {group["retention_in_days"] for group in groups.values()} == {days}, environment
