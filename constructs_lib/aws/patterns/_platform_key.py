"""The KMS key of an AWS pattern: data, logs, secrets and alerts of the platform are encrypted with it."""

from __future__ import annotations

from constructs import Construct

from ...naming import PlatformIdentity
from ..encryption_key import EncryptionKey, EncryptionKeyProps


def platform_key(scope: Construct, alias: str, account_id: str, region: str, description: str,
                 budgets: bool = False, deployer_arn: str | None = None) -> EncryptionKey:
    """The key of a pattern: its policy lets CloudWatch Logs (log groups), alarms and Budgets (the topic) use it,
    and the deploy role (``deployer_arn``) manage it and use it through RDS and Secrets Manager."""
    statements = (
        EncryptionKey.cloudwatch_logs_statement(region, account_id),
        EncryptionKey.cloudwatch_alarms_statement(account_id),
        *((EncryptionKey.budgets_statement(account_id),) if budgets else ()),
        *(EncryptionKey.deployer_statements(deployer_arn, region) if deployer_arn is not None else ()),
    )
    return EncryptionKey(scope, "platform_key", EncryptionKeyProps(
        alias=alias, account_id=account_id, description=description, service_statements=statements,
        deployer_may_not_change_policy=deployer_arn is not None,
    ))


def key_description(identity: PlatformIdentity) -> str:
    return f"Encrypts the data, logs, secrets and alerts of {identity.prefix}"
