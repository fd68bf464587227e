#!/usr/bin/env bash
# `terraform plan` of STACK_DIR without a value in the job log: Terraform's machine-readable output goes to
# LOG_FILE, which stays on the runner (a plan prints attribute values, and not every secret is marked
# sensitive); the log shows only what `python -m delivery terraform-log` rebuilds from it: addresses,
# actions, counts and the diagnostics' summaries. Exits with terraform plan's status (with
# -detailed-exitcode: 0 no changes, 2 changes, anything else an error).
#
#   plan.sh STACK_DIR LOG_FILE [terraform plan options, e.g. -lock=false -out=tfplan]
set -uo pipefail
[ "$#" -ge 2 ] || { echo "usage: $0 STACK_DIR LOG_FILE [terraform plan options]" >&2; exit 64; }
dir="$1" log="$2"
shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"
(umask 077 && : > "$log")
terraform -chdir="$dir" plan -input=false -json "$@" > "$log" 2>&1
status=$?
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" python3 -m delivery terraform-log "$log" || exit 1
exit "$status"
