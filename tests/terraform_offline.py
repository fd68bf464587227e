"""Running the Terraform CLI on synthesized AWS stacks with no network, through a local provider mirror.

What a consumer runs too lives in the library (:mod:`constructs_lib.offline`: the mirror search, the offline copy,
:data:`NEWER_THAN_MIRROR`, the plan's diagnostics and changes); this module adds how the suite runs Terraform.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from constructs_lib.offline import (  # noqa: F401  (re-exported for the suite)
    GO_GC_PERCENT,
    MIRROR_VARIABLE,
    NEWER_THAN_MIRROR,
    AwsMirror,
    NewerArgument,
    diagnostics,
    find_aws_mirror,
    offline_copy,
    planned_actions,
    terraform_environment,
    write_cli_config,
)


def terraform(directory: Path, cli_config: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """``terraform -chdir=<directory> <arguments>`` offline (:func:`~constructs_lib.offline.terraform_environment`)."""
    return subprocess.run([shutil.which("terraform") or "terraform", f"-chdir={directory}", *arguments],
                          env=terraform_environment(cli_config), capture_output=True, text=True, timeout=600, check=False)
