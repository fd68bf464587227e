#!/usr/bin/env python3
"""The move from CDKTF to CDK Terrain (cdktn) as rules: writes the renamed tree of this checkout.

    python3 compat/rename.py OUTDIR        # the renamed copy of the working tree (make test-cdktn, make bench)
    python3 compat/rename.py --in-place    # performs the move in this checkout (see docs/cdk-terrain.md)

The files are those git knows of in the working tree (tracked, or untracked and not ignored), with
their uncommitted changes; ``compat/`` itself (these rules, the cdktn Pipfile) is copied unchanged
and left untouched in place. What changes, by rule rather than by a list of files:

- Python code: the module ``cdktf`` becomes ``cdktn`` and ``cdktf_cdktf_provider_X`` becomes
  ``cdktn_provider_X``, as names (imports, attribute access) and inside string literals, where our
  code names provider modules, distributions (``cdktf-cdktf-provider-X``) and Node packages
  (``@cdktf/provider-X``). A string that is exactly ``"cdktf"`` is data (the ``ManagedBy`` tag
  value), not a module name, and stays; comments and docstrings stay too. So code that needs the
  library's module name as a string takes it from the module (``cdktf.__name__``).
- Markdown: the code in ```` ```python ```` blocks gets the Python rules (the snippet of
  docs/using-the-patterns.md is run by the tests), and ``cdktf-cli@VERSION`` becomes ``cdktn-cli@`` the pinned cdktn version; prose stays.
- ``pyproject.toml``: the cdktf requirements become the cdktn ones, from the versions pinned in
  ``compat/Pipfile`` (lower bound the pin, upper bound the next major, or the next minor below 1.0).
- ``Pipfile`` and ``Pipfile.lock`` become ``compat/Pipfile`` and ``compat/Pipfile.lock``.

Everything else is copied as it is. cdktn keeps ``cdktf.json``, ``cdktf.out``, ``CDKTF_OUTDIR`` and the
``"//"`` metadata, so none of those change. Stdlib only, so the system Python can run it.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path

COMPAT_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = COMPAT_DIR.parent

#: A Python name (import, attribute access) that is exactly the old module becomes the new one.
MODULE_RENAMES = {"cdktf": "cdktn"}
#: A Python name starting with the old prefix gets the new prefix (the provider packages).
MODULE_PREFIX_RENAMES = {"cdktf_cdktf_provider_": "cdktn_provider_"}
#: Inside string literals: provider module names, distribution names and Node package names.
STRING_RENAMES = {
    "cdktf_cdktf_provider_": "cdktn_provider_",
    "cdktf-cdktf-provider-": "cdktn-provider-",
    "@cdktf/provider-": "@cdktn/provider-",
}
#: Distributions whose requirement is rewritten in pyproject.toml: old name -> new name.
DISTRIBUTION_RENAMES = {"cdktf": "cdktn", "constructs": "constructs"}
DISTRIBUTION_PREFIX_RENAMES = {"cdktf-cdktf-provider-": "cdktn-provider-"}
#: Upper bounds that are not "the next major": cdktn 0.24 requires constructs < 10.8.
UPPER_BOUNDS = {"constructs": "10.8"}
#: Files replaced whole by their counterparts in compat/.
REPLACED_BY_COMPAT = ("Pipfile", "Pipfile.lock")
#: Copied unchanged (the rules and the cdktn environment themselves).
UNCHANGED_DIRECTORIES = ("compat",)


@dataclass(frozen=True)
class Change:
    path: str
    replacements: int


# --- Python ---------------------------------------------------------------------------------------------


def _renamed(name: str, exact: dict[str, str], prefixes: dict[str, str]) -> str | None:
    """The new name by the exact or the prefix renames, or None when neither applies."""
    if name in exact:
        return exact[name]
    for old, new in prefixes.items():
        if name.startswith(old):
            return new + name[len(old):]
    return None


def _renamed_name(name: str) -> str:
    return _renamed(name, MODULE_RENAMES, MODULE_PREFIX_RENAMES) or name


def _renamed_string(text: str) -> str:
    for old, new in STRING_RENAMES.items():
        text = text.replace(old, new)
    return text


_STRING_TOKENS = {tokenize.STRING} | {getattr(tokenize, name) for name in ("FSTRING_MIDDLE",) if hasattr(tokenize, name)}


def rename_python(source: str) -> tuple[str, int]:
    """``source`` with the module renames applied to names and string literals; the number of tokens changed."""
    lines = io.StringIO(source).readlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    for token in tokenize.generate_tokens(iter(lines).__next__ if lines else iter([""]).__next__):
        if token.type == tokenize.NAME:
            new = _renamed_name(token.string)
        elif token.type in _STRING_TOKENS:
            new = _renamed_string(token.string)
        else:
            continue
        if new != token.string:
            (start_row, start_col), (end_row, end_col) = token.start, token.end
            edits.append((starts[start_row - 1] + start_col, starts[end_row - 1] + end_col, new))
    for start, end, new in reversed(edits):
        source = source[:start] + new + source[end:]
    return source, len(edits)


# --- Markdown ------------------------------------------------------------------------------------------

_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_CLI = re.compile(r"\bcdktf-cli@[0-9][0-9A-Za-z.+-]*")


def rename_markdown(text: str, pins: dict[str, str]) -> tuple[str, int]:
    """The Python rules inside python code blocks; the cdktf CLI package becomes cdktn's, at the pinned version."""
    count = 0

    def python_block(match: re.Match[str]) -> str:
        nonlocal count
        code, changed = rename_python(match.group(1))
        count += changed
        return match.group(0).replace(match.group(1), code, 1)

    text = _PYTHON_BLOCK.sub(python_block, text)
    text, cli_changes = _CLI.subn(f"cdktn-cli@{pins['cdktn']}", text)
    return text, count + cli_changes


# --- pyproject.toml ---------------------------------------------------------------------------------------


def compat_pins(pipfile: Path = COMPAT_DIR / "Pipfile") -> dict[str, str]:
    """Distribution -> pinned version of the cdktn environment's [packages]."""
    packages = tomllib.loads(pipfile.read_text(encoding="utf-8"))["packages"]
    pins = {}
    for name, spec in packages.items():
        version = spec if isinstance(spec, str) else spec.get("version", "")
        if version.startswith("=="):
            pins[name.lower()] = version[2:]
    return pins


def _upper_bound(name: str, version: str) -> str:
    if name in UPPER_BOUNDS:
        return UPPER_BOUNDS[name]
    major, minor = (int(part) for part in version.split(".")[:2])
    return f"{major + 1}" if major > 0 else f"0.{minor + 1}"


_REQUIREMENT = re.compile(r'"([A-Za-z0-9][A-Za-z0-9._-]*)((?:[<>=!~]=?[^",\]]+,?)+)"')


def rename_requirements(text: str, pins: dict[str, str]) -> tuple[str, int]:
    """pyproject.toml with each cdktf-family requirement string replaced by the cdktn one."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        new = _renamed(match.group(1).lower(), DISTRIBUTION_RENAMES, DISTRIBUTION_PREFIX_RENAMES)
        if new is None:
            return match.group(0)
        if new not in pins:
            raise SystemExit(f"compat/Pipfile pins no version of {new} (needed for {match.group(1)} in pyproject.toml)")
        count += 1
        return f'"{new}>={pins[new]},<{_upper_bound(new, pins[new])}"'

    return _REQUIREMENT.sub(replace, text), count


# --- the tree ------------------------------------------------------------------------------------------------


def source_files(root: Path) -> list[str]:
    """Relative paths of the working tree's files as git knows them."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    return sorted({path for path in listed if path and (root / path).is_file()})


def transform(path: str, data: bytes, pins: dict[str, str]) -> tuple[bytes, int]:
    """The renamed content of one file and the number of replacements made in it."""
    name = path.rsplit("/", 1)[-1]
    if path.split("/", 1)[0] in UNCHANGED_DIRECTORIES:
        return data, 0
    if path in REPLACED_BY_COMPAT:
        replacement = (COMPAT_DIR / path).read_bytes()
        return replacement, int(replacement != data)
    if name.endswith(".py"):
        text, count = rename_python(data.decode("utf-8"))
        return text.encode("utf-8"), count
    if name.endswith(".md"):
        text, count = rename_markdown(data.decode("utf-8"), pins)
        return text.encode("utf-8"), count
    if path == "pyproject.toml":
        text, count = rename_requirements(data.decode("utf-8"), pins)
        return text.encode("utf-8"), count
    return data, 0


def write_tree(root: Path, target: Path, *, in_place: bool = False) -> list[Change]:
    """Writes the renamed tree of ``root`` into ``target`` (or over ``root`` itself); what was changed."""
    pins = compat_pins()
    changes = []
    for path in source_files(root):
        source = root / path
        data = source.read_bytes()
        new, count = transform(path, data, pins)
        if count:
            changes.append(Change(path, count))
        destination = target / path
        if in_place:
            if new != data:
                destination.write_bytes(new)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(new)
        shutil.copymode(source, destination)
    return changes


def remaining_mentions(root: Path) -> dict[str, int]:
    """Per file, the lines that still say cdktf (comments, docstrings, docs, tag values): for a human to review."""
    found = {}
    for path in source_files(root):
        if path.split("/", 1)[0] in UNCHANGED_DIRECTORIES:
            continue
        try:
            lines = (root / path).read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        count = sum(1 for line in lines if "cdktf" in line.lower())
        if count:
            found[path] = count
    return found


def _dirty(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                          capture_output=True, text=True, check=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("outdir", nargs="?", type=Path, help="directory to write the renamed tree into (must not exist)")
    where.add_argument("--in-place", action="store_true", help="rewrite this checkout (it must have no uncommitted changes)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary line")
    arguments = parser.parse_args(argv)
    root = PROJECT_ROOT
    if arguments.in_place:
        if _dirty(root):
            print("error: the checkout has uncommitted changes; commit or stash them first, so that the move is "
                  "one reviewable diff", file=sys.stderr)
            return 2
        target = root
    else:
        target = arguments.outdir.resolve()
        if target.exists():
            print(f"error: {arguments.outdir} exists; give a new directory", file=sys.stderr)
            return 2
        if target.is_relative_to(root):
            print(f"error: {arguments.outdir} is inside the checkout; give a directory outside it", file=sys.stderr)
            return 2
    changes = write_tree(root, target, in_place=arguments.in_place)
    total = sum(change.replacements for change in changes)
    if not arguments.quiet:
        for change in changes:
            print(f"  {change.replacements:4d}  {change.path}")
    print(f"renamed: {total} replacement(s) in {len(changes)} file(s) -> {target}")
    if arguments.in_place:
        prose = remaining_mentions(root)
        print(f"lines still saying cdktf (prose, comments, cdktf.out, tag values; review, most stay): "
              f"{sum(prose.values())} in {len(prose)} file(s)")
        if not arguments.quiet:
            for path, count in sorted(prose.items()):
                print(f"  {count:4d}  {path}")
        print("next (docs/cdk-terrain.md): make install, update the snapshots, review `git diff`, make test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
