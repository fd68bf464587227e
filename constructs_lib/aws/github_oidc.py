"""Keyless GitHub Actions access to AWS: the account's OIDC identity provider and roles its jobs assume."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from ..github import AWS_STS_AUDIENCE, GITHUB_OIDC_ISSUER
from .iam import Condition, Statement, policy_document

#: The token claims the trust policy conditions on (issuer host + claim).
SUBJECT_CLAIM = "token.actions.githubusercontent.com:sub"
AUDIENCE_CLAIM = "token.actions.githubusercontent.com:aud"
_ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")
_SUBJECT = re.compile(r"repo:[^*?\s]+:[^*?\s]+")


class GithubOidcProvider(Construct):
    """The account's IAM OIDC identity provider for ``token.actions.githubusercontent.com``.

    An account has at most one provider per URL. No thumbprint is set: AWS verifies GitHub's
    certificate against its trusted root CAs and ignores thumbprints for this issuer, and
    hashicorp/aws 6.x treats ``thumbprint_list`` as optional.
    """

    def __init__(self, scope: Construct, id_: str) -> None:
        super().__init__(scope, id_)
        self.provider = IamOpenidConnectProvider(self, "provider", url=GITHUB_OIDC_ISSUER, client_id_list=[AWS_STS_AUDIENCE])

    @property
    def arn(self) -> str:
        return self.provider.arn


@dataclass(frozen=True)
class GithubActionsRoleProps:
    """Props of :class:`GithubActionsRole`.

    Attributes:
        name: Role name (and the start of its policies' names).
        provider_arn: ARN of the account's :class:`GithubOidcProvider`.
        subjects: The exact ``sub`` claims that may assume the role (``GithubRepository.subjects(...)``);
            compared with ``StringEquals``, so a wildcard is refused rather than silently taken literally.
        policies: Named permission policies (``{"network": (Statement, ...)}``), one managed policy each
            (a managed policy holds at most 6,144 characters).
        description: Shown in the console.
        max_session_seconds: Longest session a job gets, 3600-43200. Default 3600.
        permissions_boundary_arn: Permissions boundary of the role itself. Default ``None``.
    """

    name: str
    provider_arn: str
    subjects: tuple[str, ...]
    policies: tuple[tuple[str, tuple[Statement, ...]], ...]
    description: str
    max_session_seconds: int = 3600
    permissions_boundary_arn: str | None = None

    def __post_init__(self) -> None:
        if not _ROLE_NAME.fullmatch(self.name):
            raise ValueError(f"GithubActionsRoleProps.name {self.name!r}: must be an IAM role name (1-64 characters)")
        if not self.subjects or not all(isinstance(subject, str) and _SUBJECT.fullmatch(subject) for subject in self.subjects):
            raise ValueError(f"GithubActionsRoleProps.subjects {self.subjects!r}: must be exact subjects such as "
                             "'repo:acme/infra:environment:prod' (no wildcard)")
        if not self.policies:
            raise ValueError("GithubActionsRoleProps.policies: name at least one policy")
        if not 3600 <= self.max_session_seconds <= 43200:
            raise ValueError(f"GithubActionsRoleProps.max_session_seconds {self.max_session_seconds}: must be 3600-43200")


def trust_statement(provider_arn: str, subjects: tuple[str, ...]) -> Statement:
    """Web identity federation through GitHub's provider for exactly ``subjects`` and the STS audience.

    ``StringEquals`` on both claims: a token without the claim, or with any other value, is refused
    (unlike ``ForAllValues:``, which holds when the claim is absent).
    """
    return Statement(
        sid="GithubActionsAssumeRole",
        actions=("sts:AssumeRoleWithWebIdentity",),
        resources=("*",),  # trust policies have no resource: the role itself
        principals=(("Federated", (provider_arn,)),),
        conditions=(
            Condition("StringEquals", AUDIENCE_CLAIM, (AWS_STS_AUDIENCE,)),
            Condition("StringEquals", SUBJECT_CLAIM, subjects),
        ),
    )


class GithubActionsRole(Construct):
    """A role only the listed GitHub Actions jobs can assume, with one managed policy per named part."""

    def __init__(self, scope: Construct, id_: str, props: GithubActionsRoleProps) -> None:
        super().__init__(scope, id_)
        trust = policy_document(self, "trust", (trust_statement(props.provider_arn, props.subjects),))
        self.role = IamRole(
            self, "role", name=props.name, description=props.description, assume_role_policy=trust.json,
            max_session_duration=props.max_session_seconds, permissions_boundary=props.permissions_boundary_arn,
        )
        for part, statements in props.policies:
            document = policy_document(self, f"{part}_document", statements)
            policy = IamPolicy(self, f"{part}_policy", name=f"{props.name}-{part}", policy=document.json,
                               description=f"{props.description}: {part}")
            IamRolePolicyAttachment(self, f"{part}_attachment", role=self.role.name, policy_arn=policy.arn)

    @property
    def arn(self) -> str:
        return self.role.arn

    @property
    def name(self) -> str:
        return self.role.name
