"""The documentation holds together: README.md stays short, every relative link and ``#anchor`` in README.md
and docs/ resolves, the README's architecture picture matches the imports, every top-level folder is
described, and the troubleshooting page names what the stacks create."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

from .conftest import Synthesized
from .helpers import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
PAGES = sorted([README, *(PROJECT_ROOT / "docs").rglob("*.md")])
MAX_README_LINES = 250

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (a fence's own lines included as empty)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            lines.append("")
        else:
            lines.append("" if fenced else line)
    return lines


def github_anchor(heading: str) -> str:
    """GitHub's id of a heading (github-slugger): markup dropped, lower case, every character but letters,
    digits, marks, ``-`` and ``_`` removed, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    kept = (char for char in text if char in "-_ " or unicodedata.category(char)[0] in "LNM")
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a Markdown file, a repeated one numbered ``-1``, ``-2``... as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        anchor = github_anchor(match[2])
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every inline link in the file's prose, code spans left out."""
    found = []
    for number, line in enumerate(_prose_lines(path.read_text(encoding="utf-8")), start=1):
        found += [(number, match[1]) for match in _LINK.finditer(_CODE_SPAN.sub("", line))]
    return found


def broken_links(path: Path, root: Path = PROJECT_ROOT) -> list[str]:
    """One line per link whose file or anchor does not exist (paths shown relative to ``root``)."""
    problems = []
    for number, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / unquote(file_part)).resolve() if file_part else path
        where = f"{path.relative_to(root)}:{number}: {target}"
        if not linked.exists():
            problems.append(f"{where}: no such file")
        elif anchor and linked.suffix == ".md" and unquote(anchor) not in anchors(linked):
            problems.append(f"{where}: no heading with that anchor in {linked.relative_to(root)}")
        elif anchor and linked.suffix != ".md":
            problems.append(f"{where}: an anchor into a file that is not Markdown")
    return problems


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines: move the details to a page of docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(PROJECT_ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_anchors_follow_githubs_rules() -> None:
    assert github_anchor("5. Promote dev → staging → prod") == "5-promote-dev--staging--prod"
    assert github_anchor("11. Review changes with `main.py diff`") == "11-review-changes-with-mainpy-diff"
    assert github_anchor("The application's contract (both clouds)") == "the-applications-contract-both-clouds"
    assert github_anchor("What `[dr]` adds: RPO_and RTO") == "what-dr-adds-rpo_and-rto"


def test_the_link_check_finds_a_missing_page_a_missing_anchor_and_skips_code(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Title\n\n## Part\n\n## Part\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[a](other.md#part-1) [b](other.md#nope) [c](gone.md) `[d](gone.md)`\n"
                    "```\n[e](gone.md)\n```\n[f](#here) [g](https://example.com)\n\n## Here\n", encoding="utf-8")
    assert broken_links(page, root=tmp_path) == [
        "page.md:1: other.md#nope: no heading with that anchor in other.md", "page.md:1: gone.md: no such file"]


def test_every_top_level_folder_is_described_in_the_readme() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    folders = {path.split("/")[0] for path in tracked.splitlines() if "/" in path}
    described = set(re.findall(r"^\| `([^`/]+)/` \|", README.read_text(encoding="utf-8"), flags=re.M))
    assert described == folders


# --- the architecture picture ------------------------------------------------------------------------

#: The README's diagram nodes and the code each stands for (a file or a package directory).
NODES = {
    "main_py": "main.py", "config": "config", "stacks": "stacks", "delivery": "delivery",
    "aws_patterns": "constructs_lib/aws/patterns", "gcp_patterns": "constructs_lib/gcp/patterns",
    "aws": "constructs_lib/aws", "gcp": "constructs_lib/gcp", "policy": "constructs_lib/policy",
    "review": "constructs_lib/analysis/review", "cost": "constructs_lib/analysis/cost",
}


def _node_of_module(module: str) -> str | None:
    """The diagram node of a dotted module name: the longest path that holds it (None: not drawn)."""
    path = module.replace(".", "/")
    holders = [node for node, prefix in NODES.items() if path == prefix.removesuffix(".py") or path.startswith(prefix + "/")]
    return max(holders, key=lambda node: len(NODES[node]), default=None)


def _imported_modules(file: Path) -> set[str]:
    package = ".".join(file.relative_to(PROJECT_ROOT).with_suffix("").parts)
    package = package.removesuffix(".__init__") if file.name == "__init__.py" else package.rsplit(".", 1)[0]
    modules = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            modules |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return modules


def imports_between_nodes() -> set[tuple[str, str]]:
    """(importer, imported) for every import from one node's code into another's."""
    edges = set()
    for node, prefix in NODES.items():
        root = PROJECT_ROOT / prefix
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for file in files:
            if file.is_file() and _node_of_module(".".join(file.relative_to(PROJECT_ROOT).with_suffix("").parts)) == node:
                edges |= {(node, target) for module in _imported_modules(file)
                          if (target := _node_of_module(module)) not in (None, node)}
    return edges


def drawn_imports() -> set[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    diagram = text[text.index("```mermaid"):text.index("```", text.index("```mermaid") + 3)]
    return set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", diagram, flags=re.M))


def test_the_readme_picture_draws_exactly_the_imports_between_its_packages() -> None:
    drawn, actual = drawn_imports(), imports_between_nodes()
    assert {node for edge in drawn for node in edge} <= set(NODES)
    assert sorted(actual - drawn) == [], "imports the README's picture does not draw"
    assert sorted(drawn - actual) == [], "arrows in the README's picture that no import makes"


# --- the troubleshooting page ------------------------------------------------------------------------

TROUBLESHOOTING = PROJECT_ROOT / "docs" / "troubleshooting.md"


def test_every_prod_name_on_the_troubleshooting_page_is_one_the_stacks_create(synthesized: Synthesized) -> None:
    text = TROUBLESHOOTING.read_text(encoding="utf-8")
    output = "\n".join(json.dumps(document) for name, document in synthesized.documents.items() if "-prod" in name)
    # Resource names, log groups, paths of console URLs: a name may be cut at a placeholder (`...-prod-<what>`).
    names = {name.rstrip("-./") for name in re.findall(r"[\w./-]*duckdb-analytics-prod[\w./-]*", text)}
    missing = sorted(name for name in names if name not in output
                     and not all(part in output for part in name.split("/") if "duckdb-analytics-prod" in part))
    # Display names in quotes (alert policies, channels, uptime checks, the dashboard), placeholders left out.
    quoted = set(re.findall(r'"(duckdb-analytics-prod[^"]*)"', text)) - {name for name in re.findall(
        r'"(duckdb-analytics-prod[^"]*\.\.\.)"', text)}
    missing += sorted(name for name in quoted if name not in output)
    assert missing == []
    assert len(names) > 25 and len(quoted) > 5  # the page does name things


def test_the_code_layout_page_names_every_construct_module() -> None:
    """The library's root, the two clouds' constructs and their patterns, module by module (the review, cost and
    policy packages are described as wholes)."""
    text = (PROJECT_ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(?:[\w/{},]*/)?(\w+\.py)`", text))
    library = PROJECT_ROOT / "constructs_lib"
    folders = [library, *(library / cloud for cloud in ("aws", "gcp")), *(library / cloud / "patterns" for cloud in ("aws", "gcp"))]
    modules = {path.name for folder in folders for path in folder.glob("*.py") if path.name != "__init__.py"}
    assert sorted(modules - named) == [], "say in docs/layout.md what these modules hold"
