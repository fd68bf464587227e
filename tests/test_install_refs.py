"""The install lines of the README and the docs name refs that exist, and versions the changelog knows.

A ``pip install "...@<ref>"`` line must name a branch, tag or commit of this repository (a placeholder such as
``<tag>`` aside); a release tag ``vX.Y.Z`` must be a version with a section in ``CHANGELOG.md``; the version in
``pyproject.toml`` has one too (docs/using-the-patterns.md, "Releases").
"""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest

from .helpers import PROJECT_ROOT

_INSTALL = re.compile(r"git\+https://\S+?\.git@(?P<ref>[^\s\"'#]+)")
_RELEASE = re.compile(r"v(?P<version>[0-9]+\.[0-9]+\.[0-9]+)")


def install_refs() -> list[tuple[str, str]]:
    """``(file, ref)`` of every git install line in the README and docs/*.md, placeholders left out."""
    found = []
    for path in [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "pip install" in line:
                found += [(path.name, match["ref"]) for match in _INSTALL.finditer(line) if "<" not in match["ref"]]
    return found


def _git(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(PROJECT_ROOT), *arguments], capture_output=True, text=True, check=False)


def _resolves(ref: str) -> bool:
    return any(_git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}").returncode == 0
               for candidate in (ref, f"refs/tags/{ref}", f"origin/{ref}"))


def _changelog_versions() -> set[str]:
    text = (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return set(re.findall(r"^## (?:Unreleased \()?([0-9]+\.[0-9]+\.[0-9]+)\)?$", text, re.M))


def test_the_readme_has_a_git_install_line() -> None:
    assert any(name == "README.md" for name, _ in install_refs())


@pytest.mark.parametrize(("file", "ref"), install_refs())
def test_each_install_line_names_a_ref_that_exists(file: str, ref: str) -> None:
    if _git("rev-parse", "--git-dir").returncode:
        pytest.skip("not a git checkout")
    if not _resolves(ref) and _git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        pytest.skip(f"a shallow clone without {ref}: fetch with tags and history (the pull request workflow does)")
    assert _resolves(ref), f"{file}: the install line names {ref!r}, which is no branch, tag or commit here"
    release = _RELEASE.fullmatch(ref)
    if release:
        assert release["version"] in _changelog_versions(), f"{file}: {ref} has no section in CHANGELOG.md"


def test_the_package_version_has_a_changelog_section() -> None:
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert version in _changelog_versions()
