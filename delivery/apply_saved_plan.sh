#!/usr/bin/env bash
# Applies exactly the saved plan STACK_DIR/tfplan, never a new one. A plan is stale when the state
# changed after it was made (another apply, a manual change through Terraform); Terraform then refuses
# it ("Saved plan is stale") and this says so plainly: nothing was applied, plan again and review.
# Like plan.sh, Terraform's output goes to a file (it can show values: resource IDs, outputs); the log
# shows the value-free lines of `python -m delivery terraform-log`.
#
#   apply_saved_plan.sh STACK_DIR
set -euo pipefail
[ "$#" -eq 1 ] || { echo "usage: $0 STACK_DIR" >&2; exit 2; }
dir="$1"
stack="$(basename "$dir")"
root="$(cd "$(dirname "$0")/.." && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# The lock file came with the plan: the same providers, or Terraform refuses the plan.
terraform -chdir="$dir" init -input=false -lockfile=readonly
set +e
terraform -chdir="$dir" apply -input=false -json tfplan > "$log" 2>&1
status=$?
PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" python3 -m delivery terraform-log "$log"
set -e
if [ "$status" -ne 0 ] && grep -q "Saved plan is stale" "$log"; then
  echo "::error title=Stale plan of ${stack}::The reviewed plan of ${stack} is stale: the stack's state changed after it was planned, so nothing was applied. Run the workflow again to make a new plan and review that one."
elif [ "$status" -ne 0 ] && grep -q "Saved plan does not match the given state" "$log"; then
  echo "::error title=Plan of ${stack} is for another state::The saved plan of ${stack} was made against another state (lineage), so nothing was applied. Plan again."
fi
exit "$status"
