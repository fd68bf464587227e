"""Delivery facts the stacks and the workflows share (no cdktf import)."""

from __future__ import annotations

#: The branch the pipeline deploys from; its jobs without environment may assume the plan identities.
DEPLOY_BRANCH = "main"
