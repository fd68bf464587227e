"""Loads the prebuilt cdktf provider packages one resource module at a time, in Python and in Node.

Each prebuilt provider package (``cdktf_cdktf_provider_aws``, ``cdktf_cdktf_provider_google``) has a
root ``__init__.py`` that imports all of its ~1,500-2,200 resource submodules, although a resource
submodule needs only the package's ``_jsii`` assembly. Building those typing-heavy class bodies is
most of the cost of ``import cdktf_cdktf_provider_aws.s3_bucket`` and of the interpreter's shutdown.
The jsii runtime (Node) does the same on its side: loading the assembly requires every module of the
package's JavaScript (~270 MB for AWS), which takes seconds to compile.

:func:`register_lazily` puts a module object for the package into ``sys.modules`` without running that
``__init__``: submodules are imported on first use (PEP 562 ``__getattr__``, as later jsii releases do
upstream), and ``_jsii`` registers the same assembly with the jsii runtime as before.
:func:`prepare_jsii_runtime` starts the jsii runtime with ``lazy_provider_exports.js``, which gives
the JavaScript index the same on-demand behaviour. The synthesized Terraform JSON is byte-identical
(the test suite compares it with an ordinary import). If a package is not shaped as expected, the
ordinary import is used with a warning; ``CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT=1`` turns both off.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
import types
import warnings
from pathlib import Path
from typing import Any

EAGER_IMPORT_VARIABLE = "CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT"
LAZY_EXPORTS_HOOK = Path(__file__).with_name("lazy_provider_exports.js")

# Top-level names the generated root __init__ may define; anything else could be needed by users.
_ALLOWED_ROOT_ASSIGNMENTS = frozenset({"__path__", "__all__", "TYPEGUARD_MAJOR_VERSION"})
_ALLOWED_ROOT_FUNCTIONS = frozenset({"check_type"})


class ProviderPackageShapeWarning(UserWarning):
    """The provider package differs from the generated layout; it is imported the ordinary way."""


def _shape_problem(package_dir: Path) -> str | None:
    """Says why ``package_dir`` is not a jsii package whose root only imports its submodules, or None."""
    root_init = package_dir / "__init__.py"
    jsii_init = package_dir / "_jsii" / "__init__.py"
    if not root_init.is_file() or not jsii_init.is_file():
        return "it has no __init__.py or no _jsii/__init__.py"
    if "JSIIAssembly.load(" not in jsii_init.read_text(encoding="utf-8"):
        return "_jsii/__init__.py does not load a jsii assembly"
    tree = ast.parse(root_init.read_text(encoding="utf-8"))
    imports_jsii = False
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module == "_jsii":
                imports_jsii = True
            elif node.module is not None:
                return f"its __init__.py imports from .{node.module}"
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.Call)):
            continue  # the README docstring and publication.publish()
        if isinstance(node, ast.FunctionDef) and node.name in _ALLOWED_ROOT_FUNCTIONS:
            continue
        if isinstance(node, ast.Assign) and all(
            isinstance(target, ast.Name) and target.id in _ALLOWED_ROOT_ASSIGNMENTS for target in node.targets
        ):
            continue
        return f"its __init__.py has an unexpected statement at line {node.lineno}"
    if not imports_jsii:
        return "its __init__.py does not import ._jsii"
    return None


def _lazy_package(spec: importlib.machinery.ModuleSpec, package_dir: Path) -> types.ModuleType:
    module = importlib.util.module_from_spec(spec)
    package = spec.name

    def __getattr__(name: str) -> Any:  # noqa: N807 - PEP 562 module hook
        if not name.startswith("__") and (package_dir / name / "__init__.py").is_file():
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807 - PEP 562 module hook
        submodules = (entry.name for entry in package_dir.iterdir() if (entry / "__init__.py").is_file())
        return sorted(set(module.__dict__) | {name for name in submodules if not name.startswith("_")})

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    return module


_runtime_prepared = False


def _jsii_runtime_started() -> bool:
    # The runtime process starts with the first assembly load, which imports some package's ``_jsii``.
    return any(name == "_jsii" or name.endswith("._jsii") for name in sys.modules)


def prepare_jsii_runtime() -> bool:
    """Starts the jsii runtime with the lazy provider exports hook; True when the hook is in effect.

    Must run before the first ``import cdktf`` (or any other jsii package) to have an effect; later it
    changes nothing. ``NODE_OPTIONS`` is set only while the runtime process starts, then restored.
    """
    global _runtime_prepared
    if _runtime_prepared or os.environ.get(EAGER_IMPORT_VARIABLE) == "1" or _jsii_runtime_started():
        return _runtime_prepared
    previous = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = " ".join(filter(None, (previous, f'--require "{LAZY_EXPORTS_HOOK}"')))
    try:
        importlib.import_module("constructs._jsii")  # starts the runtime process, which inherits NODE_OPTIONS
    finally:
        if previous is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = previous
    _runtime_prepared = True
    return True


def register_lazily(package: str) -> bool:
    """Makes ``package`` import its submodules on demand; returns True when that is in effect.

    Also prepares the jsii runtime (see :func:`prepare_jsii_runtime`) if it has not started yet.
    Safe to call more than once and after an ordinary import (then it changes nothing).
    """
    prepare_jsii_runtime()
    existing = sys.modules.get(package)
    if existing is not None:
        return getattr(existing, "__constructs_lib_lazy__", False)
    if os.environ.get(EAGER_IMPORT_VARIABLE) == "1":
        return False
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ModuleNotFoundError(f"provider package {package!r} is not installed", name=package)
    locations = list(spec.submodule_search_locations or [])
    problem = "it is not a regular package" if len(locations) != 1 else _shape_problem(Path(locations[0]))
    if problem is not None:
        warnings.warn(
            f"{package} is imported the ordinary (slow) way because {problem}",
            ProviderPackageShapeWarning,
            stacklevel=2,
        )
        return False
    module = _lazy_package(spec, Path(locations[0]))
    module.__constructs_lib_lazy__ = True  # type: ignore[attr-defined]
    sys.modules[package] = module
    return True
