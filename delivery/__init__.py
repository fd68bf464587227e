"""Tools the GitHub Actions workflows run (``python -m delivery ...``): plain Python, no cdktf, no venv.

- ``settings STACK``: where a stack lives and which identities plan and deploy it, from config;
- ``stacks``: the stacks ``main.py`` synthesizes for a selection, as a workflow matrix;
- ``rollout``: one environment's platform and standby stacks, and the order an action applies them in (a
  destroy needs the typed confirmation ``destroy <environment>``);
- ``verify-github``: the GitHub settings the deploy trust rests on, read through the API before a deploy;
- ``terraform-log``: the value-free lines of ``terraform plan/apply -json`` output (the file keeps the rest);
- ``plan-summary``: ``terraform show -json`` of a saved plan as per-stack counts and addresses, never values;
- ``plan-matrix``: the stacks whose synthesized JSON changed (from ``main.py diff --format json``), to plan;
- ``database-setup STACK_DIR``: after an apply, run the stack's database setup job (the application's role);
- ``comment``: one pull request comment from the review, the cost comparison, the plan summaries and this
  run's jobs, within GitHub's 65,536-character limit (docs/reviewing.md).
"""
