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
