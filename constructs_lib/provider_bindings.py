"""Loads the prebuilt provider packages one resource module at a time, in Python and in Node.

Each prebuilt cdktf provider package (``cdktf_cdktf_provider_aws``, ``cdktf_cdktf_provider_google``)
has a root ``__init__.py`` that imports all of its ~1,500-2,200 resource submodules, although a
resource submodule needs only the package's ``_jsii`` assembly. Building those typing-heavy class
bodies is most of the cost of ``import cdktf_cdktf_provider_aws.s3_bucket`` and of the interpreter's
shutdown. The jsii runtime (Node) does the same on its side: loading the assembly requires every
module of the package's JavaScript (~270 MB for AWS), which takes seconds to compile.

:func:`register_lazily` puts a module object for such a package into ``sys.modules`` without running
that ``__init__``: submodules are imported on first use (PEP 562 ``__getattr__``), and ``_jsii``
registers the same assembly with the jsii runtime as before. The CDK Terrain packages
(``cdktn_provider_aws``, ...) already ship such a root (their generator adopted PEP 562); those are
recognized and left alone. :func:`prepare_jsii_runtime` starts the jsii runtime with
``lazy_provider_exports.js``, which gives the JavaScript index of both generations the same
on-demand behaviour. The synthesized Terraform JSON is byte-identical (the test suite compares it
with an ordinary import). A package of any other shape is imported the ordinary way with a
:class:`ProviderPackageShapeWarning`; ``CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT=1`` turns both hooks off.
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

# Top-level names the generated (cdktf) root __init__ may define; anything else could be needed by users.
_ALLOWED_ROOT_ASSIGNMENTS = frozenset({"__path__", "__all__", "TYPEGUARD_MAJOR_VERSION"})
_ALLOWED_ROOT_FUNCTIONS = frozenset({"check_type"})
# What a root that is already lazy (cdktn) may define besides its PEP 562 hooks.
_LAZY_ROOT_ASSIGNMENTS = frozenset({"__path__", "__all__", "_SUBMODULES"})
_LAZY_ROOT_FUNCTIONS = frozenset({"__getattr__", "__dir__"})
_LAZY_ROOT_CALLS = frozenset({  # as ast.unparse writes them
    "publication.publish()",
    "setattr(_sys.modules[__name__], '__getattr__', __getattr__)",
    "setattr(_sys.modules[__name__], '__dir__', __dir__)",
})

#: The root imports every submodule; :func:`register_lazily` replaces it with an on-demand module.
EAGER_ROOT = "eager root"
#: The root imports submodules on first use already (PEP 562); it is left alone.
LAZY_ROOT = "lazy root"


class ProviderLoadingOrderWarning(UserWarning):
    """cdktf (or another jsii package) was imported before constructs_lib: providers load the slow way."""


class ProviderPackageShapeWarning(UserWarning):
    """The provider package differs from both generated layouts; it is imported the ordinary way."""


def _relative_import_problem(node: ast.ImportFrom) -> str | None:
    if node.module == "_jsii":
        return None
    if node.module is None:
        return f"its __init__.py imports submodules at line {node.lineno}"
    return f"its __init__.py imports from .{node.module} at line {node.lineno}"


def _defines_only(node: ast.stmt, functions: frozenset[str], names: frozenset[str]) -> bool:
    """True for a definition of one of ``functions`` or an assignment to ``names`` only."""
    if isinstance(node, ast.FunctionDef):
        return node.name in functions
    return isinstance(node, ast.Assign) and all(
        isinstance(target, ast.Name) and target.id in names for target in node.targets
    )


def _eager_root_problem(tree: ast.Module) -> str | None:
    """Why ``tree`` is not a cdktf root that only imports its submodules (which may then be skipped), or None."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is not None and node.module != "_jsii":
                return _relative_import_problem(node)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.Call)):
            continue  # the README docstring and publication.publish()
        if _defines_only(node, _ALLOWED_ROOT_FUNCTIONS, _ALLOWED_ROOT_ASSIGNMENTS):
            continue
        return f"its __init__.py has an unexpected statement at line {node.lineno}"
    return None


def _is_type_checking_block(node: ast.stmt) -> bool:
    return (isinstance(node, ast.If) and not node.orelse
            and ast.unparse(node.test) in ("typing.TYPE_CHECKING", "TYPE_CHECKING"))


def _lazy_root_problem(tree: ast.Module) -> str | None:
    """Why ``tree`` is not a cdktn root that imports submodules only on demand, or None.

    Such a root (one that defines a module ``__getattr__``, see :func:`package_shape`) imports no
    submodule at module level: only ``._jsii``, and, for type checkers, inside ``if typing.TYPE_CHECKING:``.
    """
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            problem = _relative_import_problem(node)
            if problem is not None:
                return problem
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_type_checking_block(node):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the README docstring
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and ast.unparse(node) in _LAZY_ROOT_CALLS:
            continue
        if _defines_only(node, _LAZY_ROOT_FUNCTIONS, _LAZY_ROOT_ASSIGNMENTS):
            continue
        return f"its __init__.py has an unexpected statement at line {node.lineno}"
    return None


def package_shape(package_dir: Path) -> tuple[str | None, str]:
    """``(EAGER_ROOT, "")`` or ``(LAZY_ROOT, "")`` for a generated provider package, else ``(None, why)``."""
    root_init = package_dir / "__init__.py"
    jsii_init = package_dir / "_jsii" / "__init__.py"
    if not root_init.is_file() or not jsii_init.is_file():
        return None, "it has no __init__.py or no _jsii/__init__.py"
    if "JSIIAssembly.load(" not in jsii_init.read_text(encoding="utf-8"):
        return None, "_jsii/__init__.py does not load a jsii assembly"
    tree = ast.parse(root_init.read_text(encoding="utf-8"))
    if not any(isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "_jsii" for node in tree.body):
        return None, "its __init__.py does not import ._jsii"
    if not any(isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body):
        problem = _eager_root_problem(tree)
        return (EAGER_ROOT, "") if problem is None else (None, problem)
    problem = _lazy_root_problem(tree)
    return (LAZY_ROOT, "") if problem is None else (None, problem)


_SHAPES: dict[tuple[Path, int, int], tuple[str | None, str]] = {}


def _known_shape(package_dir: Path) -> tuple[str | None, str]:
    """:func:`package_shape`, parsed once per package root file (keyed by its path, size and mtime): a
    guardrail check asks once per resource type, and parsing a root costs tens of milliseconds."""
    try:
        stat = (package_dir / "__init__.py").stat()
    except OSError:
        return package_shape(package_dir)
    key = (package_dir, stat.st_mtime_ns, stat.st_size)
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES[key] = package_shape(package_dir)
    return shape


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
_late_start_warned = False


def _jsii_runtime_started() -> bool:
    # The runtime process starts with the first assembly load, which imports some package's ``_jsii``.
    return any(name == "_jsii" or name.endswith("._jsii") for name in sys.modules)


def prepare_jsii_runtime() -> bool:
    """Starts the jsii runtime with the lazy provider exports hook; True when the hook is in effect.

    Must run before the first ``import cdktf`` (or any other jsii package) to have an effect; later it
    changes nothing. ``NODE_OPTIONS`` is set only while the runtime process starts, then restored.
    """
    global _runtime_prepared, _late_start_warned
    if _runtime_prepared or os.environ.get(EAGER_IMPORT_VARIABLE) == "1":
        return _runtime_prepared
    if _jsii_runtime_started():
        if not _late_start_warned:
            _late_start_warned = True
            warnings.warn(
                "the jsii runtime started before constructs_lib (cdktf, constructs or another jsii package was "
                "imported first), so each provider's JavaScript loads eagerly: seconds and about a gigabyte more. "
                "Import constructs_lib.aws / constructs_lib.gcp (or call "
                "constructs_lib.provider_bindings.prepare_jsii_runtime()) before cdktf.",
                ProviderLoadingOrderWarning, stacklevel=3,
            )
        return False
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


def _package(package: str) -> tuple[importlib.machinery.ModuleSpec, Path | None]:
    """The package's spec and its one directory (None for a namespace package or a module)."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ModuleNotFoundError(f"provider package {package!r} is not installed", name=package)
    locations = list(spec.submodule_search_locations or [])
    return spec, Path(locations[0]) if len(locations) == 1 else None


def register_lazily(package: str) -> bool:
    """Makes ``package`` import its submodules on demand; returns True when they load on demand.

    True for a cdktf package whose root this function replaced, and for a package whose own root is
    already lazy (cdktn), which is left alone. False when the package is imported the ordinary way:
    it was imported before this call, ``CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT=1`` is set, or its shape
    is neither generated layout, which also warns (:class:`ProviderPackageShapeWarning`).

    Also prepares the jsii runtime (see :func:`prepare_jsii_runtime`) if it has not started yet.
    Safe to call more than once and after an ordinary import (then it changes nothing).
    """
    prepare_jsii_runtime()
    existing = sys.modules.get(package)
    if existing is not None and getattr(existing, "__constructs_lib_lazy__", False):
        return True
    spec, package_dir = _package(package)
    shape, problem = _known_shape(package_dir) if package_dir is not None else (None, "it is not a regular package")
    if shape == LAZY_ROOT:
        return True
    if existing is not None or os.environ.get(EAGER_IMPORT_VARIABLE) == "1":
        return False  # imported the ordinary way already, or asked to be
    if shape is None:
        warnings.warn(
            f"{package} is imported the ordinary (slow) way because {problem}",
            ProviderPackageShapeWarning,
            stacklevel=2,
        )
        return False
    module = _lazy_package(spec, package_dir)
    module.__constructs_lib_lazy__ = True  # type: ignore[attr-defined]
    sys.modules[package] = module
    return True
