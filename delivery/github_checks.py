"""The GitHub settings the deploy trust rests on, checked through GitHub's REST API before anything is applied.

The deploy identities trust "a job in GitHub environment <env> of this repository" (docs/delivery.md). That is
only as strong as the settings around it: each environment deploys from ``main`` only (else any branch's job
gets the environment's credentials), production environments have required reviewers who may not approve
their own runs, ``main`` takes changes through reviewed pull requests whose checks passed, and the repository
keeps GitHub's default OIDC subject (the trust names exact default subjects). :func:`problems` lists every
setting that is missing, one line each; ``python -m delivery verify-github`` fails the deploy on any.

``GITHUB_TOKEN`` with ``actions: read`` reads all of it: the environments and their branch policies, the
rules that apply to ``main`` (rulesets; classic branch protection is not readable without administration
rights, so ``main``'s rules must be a ruleset) and the OIDC subject template.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: The pull request workflow's job whose success ``main`` requires (``pull-request.yml``, job ``test``).
REQUIRED_CHECK = "Test and review"
#: GET path -> JSON, or ``None`` for 404. Raises on any other failure.
Fetch = Callable[[str], Any]


@dataclass(frozen=True)
class Expectation:
    """What one deploy needs of the repository's settings.

    Attributes:
        repository: ``owner/name`` of the repository the workflow runs in.
        environment: The GitHub environment whose jobs deploy.
        branch: The only branch that may deploy to it.
        reviewers: The environment needs required reviewers who cannot approve their own runs (production).
    """

    repository: str
    environment: str
    branch: str
    reviewers: bool


def _environment_problems(fetch: Fetch, expected: Expectation) -> list[str]:
    base = f"/repos/{expected.repository}/environments/{expected.environment}"
    environment = fetch(base)
    name = f"environment {expected.environment}"
    if environment is None:
        return [f"{name} does not exist: create it with deployment branch {expected.branch} only (docs/delivery.md, section 1)"]
    found: list[str] = []
    policy = environment.get("deployment_branch_policy") or {}
    if not policy.get("custom_branch_policies") or policy.get("protected_branches"):
        found.append(f"{name} deploys from any branch: set its deployment branches to the selected branch "
                     f"{expected.branch} only, else a job of any branch gets its deploy credentials")
    else:
        listed = (fetch(f"{base}/deployment-branch-policies") or {}).get("branch_policies", [])
        names = sorted(f"{item.get('type', 'branch')}:{item.get('name')}" for item in listed)
        if names != [f"branch:{expected.branch}"]:
            found.append(f"{name} deploys from {', '.join(names) or 'no branch'}: it must deploy from branch "
                         f"{expected.branch} only")
    if expected.reviewers:
        rules = [rule for rule in environment.get("protection_rules") or () if rule.get("type") == "required_reviewers"]
        if not rules or not any(rule.get("reviewers") for rule in rules):
            found.append(f"{name} has no required reviewers: a production deploy must wait for a reviewer's approval")
        elif not all(rule.get("prevent_self_review") for rule in rules):
            found.append(f"{name} lets a reviewer approve their own run: turn on 'Prevent self-review'")
        # GitHub's default is true: an administrator's run would deploy without anyone's approval.
        if environment.get("can_admins_bypass", True) is not False:
            found.append(f"{name} lets administrators bypass its reviewers: turn off 'Allow administrators to bypass "
                         "configured protection rules'")
    return found


def _branch_problems(fetch: Fetch, expected: Expectation) -> list[str]:
    rules = fetch(f"/repos/{expected.repository}/rules/branches/{expected.branch}") or []
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for rule in rules:
        by_type.setdefault(str(rule.get("type")), []).append(rule.get("parameters") or {})
    where = f"branch {expected.branch}"
    if not rules:
        return [f"{where} has no ruleset: add one requiring pull requests with an approving review, the check "
                f"'{REQUIRED_CHECK}', and blocking force pushes and deletion (docs/delivery.md, section 1)"]
    found = []
    reviews = [parameters.get("required_approving_review_count", 0) for parameters in by_type.get("pull_request", ())]
    if not reviews or max(reviews) < 1:
        found.append(f"{where} takes changes without an approving review: require pull requests with at least 1 approval")
    elif not any(parameters.get("require_code_owner_review") for parameters in by_type.get("pull_request", ())):
        found.append(f"{where} does not require code owners' review: .github/ and the bootstrap stacks need the "
                     "administrators' approval (.github/CODEOWNERS)")
    checks = {check.get("context") for parameters in by_type.get("required_status_checks", ())
              for check in parameters.get("required_status_checks", ())}
    if REQUIRED_CHECK not in checks:
        found.append(f"{where} does not require the check '{REQUIRED_CHECK}' (the pull request workflow's tests)")
    for kind, what in (("non_fast_forward", "force pushes"), ("deletion", "deletion")):
        if kind not in by_type:
            found.append(f"{where} allows {what}: block them in its ruleset")
    return found


def problems(fetch: Fetch, expected: Expectation) -> list[str]:
    """Every setting the deploy of ``expected`` needs and the repository lacks (empty: all in place)."""
    found = _environment_problems(fetch, expected) + _branch_problems(fetch, expected)
    subject = fetch(f"/repos/{expected.repository}/actions/oidc/customization/sub")
    if subject is None:
        found.append("the repository's OIDC subject template cannot be read (HTTP 404): the job needs `actions: read`")
    elif subject.get("use_default") is not True:
        found.append(f"the repository's OIDC subject template is customized ({subject.get('include_claim_keys')}): "
                     "the deploy trust names GitHub's default subjects, reset it to the default")
    return found


def api_fetch(api_url: str, token: str) -> Fetch:
    """A :data:`Fetch` over GitHub's REST API at ``api_url`` with ``token``."""

    def fetch(path: str) -> Any:
        request = urllib.request.Request(f"{api_url.rstrip('/')}{path}", headers={
            "Accept": "application/vnd.github+json", "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - GitHub's API URL
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise ValueError(f"GET {path}: HTTP {error.code} (the job needs `actions: read`)") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as error:  # no answer, or no JSON: nothing is proven
            raise ValueError(f"GET {path}: {error}: the settings could not be read, so nothing is deployed") from None

    return fetch
