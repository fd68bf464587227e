"""The role ECS assumes to shift traffic between a service's target groups during a release."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from ..iam import Statement, policy_document


#: AWS's managed policy for the role ECS assumes to move listener rules and target groups during
#: blue/green, canary and linear deployments (ELB describe calls and Modify* on rules and listeners).
ECS_LOAD_BALANCER_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


def traffic_shifting_role(scope: Construct, name: str, permissions_boundary_arn: str | None = None,
                          role_path: str | None = None) -> tuple[IamRole, IamRolePolicyAttachment]:
    """The role ECS assumes to shift traffic between target groups.

    Its trust is the one AWS documents for the ECS infrastructure role for load balancers: the ECS service
    principal, no condition (ECS does not promise ``aws:SourceAccount`` when it assumes this role).
    """
    trust = policy_document(scope, "traffic_role_trust", (Statement(
        sid="EcsAssumeRole", actions=("sts:AssumeRole",), resources=("*",),
        principals=(("Service", ("ecs.amazonaws.com",)),),
    ),))
    role = IamRole(scope, "traffic_role", name_prefix=f"{name[:28]}-ecs-lb-", assume_role_policy=trust.json,
                   description=f"{name}: ECS moves listener rules during blue/green, canary and linear deployments",
                   permissions_boundary=permissions_boundary_arn, path=role_path)
    attachment = IamRolePolicyAttachment(scope, "traffic_role_policy", role=role.name, policy_arn=ECS_LOAD_BALANCER_POLICY)
    return role, attachment
