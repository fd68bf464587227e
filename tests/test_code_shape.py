"""The shape of the library's code: functions short enough to read at once (docs/GUIDE: under 60 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[1] / "constructs_lib"
#: The longest a function (or method) in constructs_lib may be, from its ``def`` to its last line.
MAX_FUNCTION_LINES = 60


def long_functions(root: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``<file>:<line> <name> (<lines> lines)`` of every function below ``root`` longer than ``limit`` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_the_library_is_longer_than_sixty_lines() -> None:
    too_long = long_functions(LIBRARY)
    assert not too_long, (f"split these into named steps (at most {MAX_FUNCTION_LINES} lines each):\n"
                          + "\n".join(too_long))


@pytest.mark.parametrize("body_lines, expected", [(MAX_FUNCTION_LINES - 1, False), (MAX_FUNCTION_LINES, True)])
def test_the_measure_counts_a_function_from_its_def_to_its_last_line(tmp_path: Path, body_lines: int,
                                                                   expected: bool) -> None:
    body = "".join(f"    x{index} = {index}\n" for index in range(body_lines))
    (tmp_path / "module.py").write_text(f"@staticmethod\ndef long() -> None:\n{body}", encoding="utf-8")
    assert bool(long_functions(tmp_path)) is expected


def module_names_reused_below_the_root(root: Path) -> list[str]:
    """Modules and packages directly in ``root`` whose name a module or package below it uses again."""
    def name_of(path: Path) -> str:
        return path.stem if path.suffix == ".py" else path.name

    def is_module(path: Path) -> bool:
        return (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()

    at_root = {name_of(path) for path in root.iterdir() if is_module(path)}
    below = sorted(path for child in root.iterdir() if child.is_dir() for path in child.rglob("*") if is_module(path))
    return [f"{path.relative_to(root.parent)} (also {root.name}/{name_of(path)})"
            for path in below if name_of(path) in at_root]


def test_no_module_name_is_used_both_at_the_library_root_and_below_it() -> None:
    reused = module_names_reused_below_the_root(LIBRARY)
    assert not reused, "rename one of each pair (a name should mean one thing):\n" + "\n".join(reused)


def test_the_name_check_finds_a_module_named_like_one_at_the_root(tmp_path: Path) -> None:
    for path in ("lib/__init__.py", "lib/rules.py", "lib/aws/__init__.py", "lib/aws/rules.py", "lib/aws/network.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    assert module_names_reused_below_the_root(tmp_path / "lib") == ["lib/aws/rules.py (also lib/rules)"]
