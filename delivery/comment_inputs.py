"""Reading what the comment job downloaded: each input optional, so a missing one is reported, never fatal.

An input file that is absent means its job did not write it (the comment says which job failed); one that
exists but cannot be read is named in the comment, which is then incomplete. The only fatal error is a
command line that makes no sense.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from config import ConfigError

from .comment import CommentInputs, Job, snapshot_counts
from .plan_summary import PlanSummary, load_summaries


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path``; anything else is a ``ValueError`` naming the file and what it should be."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: not {what} ({error})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path}: not {what} (a JSON {type(value).__name__}, not an object)")
    return value


def read_inputs(args: argparse.Namespace, environ: Mapping[str, str]) -> CommentInputs:
    """Everything ``python -m delivery comment`` was given; what cannot be read goes to ``input_errors``."""
    from .settings import select

    errors: list[str] = []
    try:
        stacks, config_error = select(environ), ""
    except ConfigError as error:
        stacks, config_error = None, "; ".join(error.problems)
    review = _optional(args.review, "a review (main.py diff --format json)", errors)
    cost = _optional(args.cost, "a cost comparison (main.py cost --format json)", errors)
    jobs_document = _optional(args.jobs, "a list of jobs", errors, wrapped=True)
    return CommentInputs(
        stacks=stacks, summaries=_summaries(Path(args.summaries), errors), review=review, cost=cost,
        needs=_needs(args.needs, errors), jobs=_jobs(jobs_document), snapshots=_snapshots(args.snapshots, errors),
        run_url=args.run_url, files_url=args.files_url, title=args.title, config_error=config_error,
        input_errors=tuple(errors),
    )


def _optional(path: str | None, what: str, errors: list[str], *, wrapped: bool = False) -> dict[str, Any] | None:
    if not path or not Path(path).exists():
        return None
    try:
        if wrapped:  # a JSON list, as the jobs API gives it
            return {"items": json.loads(Path(path).read_text(encoding="utf-8"))}
        return read_json(Path(path), what)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        errors.append(f"`{path}` cannot be read as {what}: {error}")
        return None


def _summaries(directory: Path, errors: list[str]) -> list[PlanSummary]:
    documents = []
    for path in sorted(directory.rglob("*.json")) if directory.is_dir() else []:
        try:
            document = read_json(path, "a plan summary")
            if not {"stack", "status"} <= set(document):
                raise ValueError(f"{path}: not a plan summary (no stack and status)")
            documents.append(document)
        except ValueError as error:
            errors.append(str(error))
    return load_summaries(documents)


def _needs(text: str, errors: list[str]) -> dict[str, str]:
    try:
        needs = json.loads(text or "{}")
        return {str(name): str(job.get("result", "unknown")) for name, job in needs.items()}
    except (ValueError, AttributeError) as error:
        errors.append(f"the jobs' results (--needs) cannot be read: {error}")
        return {}


def _jobs(document: dict[str, Any] | None) -> list[Job]:
    items = (document or {}).get("items")
    if not isinstance(items, list):
        return []
    return [Job(str(item.get("name", "")), str(item.get("conclusion") or item.get("status") or "unknown"),
                str(item.get("html_url", ""))) for item in items if isinstance(item, dict)]


def _snapshots(path: str | None, errors: list[str]) -> tuple[int, int, int] | None:
    if not path or not Path(path).exists():
        return None
    try:
        return snapshot_counts(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        errors.append(f"`{path}` cannot be read: {error}")
        return None
