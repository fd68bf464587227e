"""Per-environment configuration of the platform: TOML files validated into a typed model.

``load_configuration`` reads ``project.toml`` and the selected ``<env>.toml`` files plus the
environment variables that choose state backends, and raises :class:`ConfigError` listing every
problem (one line each: file, key, rule) before anything is synthesized.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from .reader import ConfigError, Problems
from .runtime import check_retired_variables
from .schema import (
    CLOUDS,
    ENVIRONMENTS,
    EnvironmentConfig,
    ProjectSettings,
    ServiceSettings,
    StateSettings,
    cloud_problems,
    read_environment,
    read_project,
)

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent

__all__ = [
    "CLOUDS",
    "DEFAULT_CONFIG_DIR",
    "ENVIRONMENTS",
    "ConfigError",
    "Configuration",
    "EnvironmentConfig",
    "ProjectSettings",
    "ServiceSettings",
    "StateSettings",
    "display_path",
    "load_configuration",
]


@dataclass(frozen=True)
class Configuration:
    """Everything a synth needs: the project (name, GitHub repository) and the selected environments."""

    environments: tuple[EnvironmentConfig, ...]
    project: ProjectSettings


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path, problems: Problems) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.lines.append(f"{problems.source}: file not found")
    except tomllib.TOMLDecodeError as error:
        problems.lines.append(f"{problems.source}: invalid TOML: {error}")
    except OSError as error:
        problems.lines.append(f"{problems.source}: cannot be read: {error.strerror}")
    return None


def load_configuration(
    environments: Sequence[str] = ENVIRONMENTS,
    *,
    config_dir: Path = DEFAULT_CONFIG_DIR,
    environ: Mapping[str, str] | None = None,
    clouds: Sequence[str] = CLOUDS,
) -> Configuration:
    """Loads and validates the selected environments for the selected clouds; raises ConfigError with every problem."""
    environ = os.environ if environ is None else environ
    all_problems: list[str] = []

    project_path = config_dir / "project.toml"
    project_problems = Problems(display_path(project_path))
    project_data = _read_toml(project_path, project_problems)
    settings = (read_project(project_problems, project_data) if project_data is not None
                else ProjectSettings(name="", github=None))
    project = settings.name
    all_problems.extend(project_problems.lines)

    loaded: list[tuple[EnvironmentConfig, bool]] = []
    for environment in environments:
        if environment not in ENVIRONMENTS:
            raise ValueError(f"unknown environment {environment!r}")  # selection is validated before this
        path = config_dir / f"{environment}.toml"
        problems = Problems(display_path(path))
        data = _read_toml(path, problems)
        if data is not None:
            config = read_environment(problems, data, project=project, environment=environment, environ=environ)
            if not problems.lines:
                for key, rule, value in cloud_problems(config, tuple(clouds)):
                    problems.add(key, rule, value)
                earlier = [earlier for earlier, valid in loaded if valid]
                _shared_with_another_environment(problems, config, earlier, tuple(clouds))
                _same_release_same_digests(problems, config, earlier)
            loaded.append((config, not problems.lines))
        all_problems.extend(problems.lines)

    runtime_problems = Problems("environment")
    check_retired_variables(runtime_problems, environ)
    all_problems.extend(runtime_problems.lines)

    if all_problems:
        raise ConfigError(all_problems)
    return Configuration(environments=tuple(config for config, _ in loaded), project=settings)


#: Values each environment must have to itself: the bootstrap stack of an environment creates the
#: account's GitHub OIDC provider and the project's Workload Identity pool, and bucket names are global.
_UNIQUE_PER_ENVIRONMENT: tuple[tuple[str, str, str], ...] = (
    ("aws", "aws.account_id", "one AWS account per environment: its bootstrap creates the account's GitHub OIDC provider"),
    ("aws", "state.aws_bucket", "bucket names are global"),
    ("gcp", "gcp.project_id", "one project per environment: its bootstrap creates the project's Workload Identity pool"),
    ("gcp", "state.gcp_bucket", "bucket names are global"),
)


def _same_release_same_digests(problems: Problems, config: EnvironmentConfig, earlier: list[EnvironmentConfig]) -> None:
    """A tag promoted from an earlier environment runs the very images it ran there: the same digest per service."""
    for other in earlier:
        for tag, digests, key in ((config.images.tag, config.images.digests, "images.digests"),
                                  (config.release.candidate_tag, config.release.candidate_digests, "release.candidate_digests")):
            theirs = {other.images.tag: other.images.digests, other.release.candidate_tag: other.release.candidate_digests}
            for service, digest in digests.items():
                promoted = theirs.get(tag, {}).get(service) if tag is not None else None
                if promoted is not None and promoted != digest:
                    problems.add(f"{key}.{service}", f"differs from {other.environment}'s digest of tag {tag} ({promoted}): "
                                 "promotion moves the same image", digest)


def _value(config: EnvironmentConfig, key: str) -> str:
    section, name = key.split(".")
    return getattr(getattr(config, section), name)


def _shared_with_another_environment(
    problems: Problems, config: EnvironmentConfig, earlier: list[EnvironmentConfig], clouds: tuple[str, ...]
) -> None:
    for cloud, key, reason in _UNIQUE_PER_ENVIRONMENT:
        if cloud not in clouds:
            continue
        value = _value(config, key)
        for other in earlier:
            if value and _value(other, key) == value:
                problems.add(key, f"must differ from {other.environment}'s ({reason})", value)
                break
