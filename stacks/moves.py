"""Resources that left a stack without being destroyed (``removed`` blocks; no provider import)."""

from __future__ import annotations

from cdktf import TerraformStack


def forget_without_destroying(stack: TerraformStack, addresses: tuple[str, ...]) -> None:
    """``removed { from = <address>; lifecycle { destroy = false } }`` for each address (Terraform >= 1.7).

    Terraform drops the resources from this stack's state and leaves them in the cloud; another stack
    imports them (docs/delivery.md). For an address that is not in the state, the block does nothing.
    """
    stack.add_override("removed", [{"from": address, "lifecycle": {"destroy": False}} for address in addresses])
