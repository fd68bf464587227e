"""On-demand loading of the provider bindings: same output, fallbacks when a package looks different."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from constructs_lib import provider_bindings
from constructs_lib.provider_bindings import LAZY_EXPORTS_HOOK, ProviderPackageShapeWarning, register_lazily

from .conftest import Synthesized
from .helpers import PROJECT_ROOT, run, subprocess_environment, tree_bytes

GENERATED_ROOT = '''\
r"""README of the package."""
from pkgutil import extend_path
__path__ = extend_path(__path__, __name__)
import typing
import jsii
import publication
TYPEGUARD_MAJOR_VERSION = 2
def check_type(argname, value, expected_type):
    return None
from ._jsii import *
__all__ = ["alpha", "beta"]
publication.publish()
from . import alpha
from . import beta
'''


def _fake_package(root: Path, name: str, init: str) -> None:
    package = root / name
    for submodule in ("alpha", "beta"):
        (package / submodule).mkdir(parents=True)
        (package / submodule / "__init__.py").write_text(
            f"from .._jsii import *\nimport sys\nsys.modules[__name__].LOADED = True\nNAME = {submodule!r}\n",
            encoding="utf-8",
        )
    (package / "_jsii").mkdir()
    (package / "_jsii" / "__init__.py").write_text('ASSEMBLY = "stands in for jsii.JSIIAssembly.load(...)"\n', encoding="utf-8")
    (package / "__init__.py").write_text(init, encoding="utf-8")


@pytest.fixture
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [name for name in sys.modules if name.startswith("fake_provider_")]:
        del sys.modules[name]


def test_generated_package_loads_submodules_on_first_use(fake_packages: Path) -> None:
    _fake_package(fake_packages, "fake_provider_generated", GENERATED_ROOT)
    assert register_lazily("fake_provider_generated") is True
    package = sys.modules["fake_provider_generated"]
    assert "fake_provider_generated.alpha" not in sys.modules
    assert {"alpha", "beta"} <= set(dir(package))
    from fake_provider_generated.beta import NAME

    assert NAME == "beta"
    assert package.alpha.LOADED is True  # attribute access imports too (PEP 562)
    with pytest.raises(AttributeError):
        package.gamma  # noqa: B018
    assert register_lazily("fake_provider_generated") is True  # idempotent


def test_unexpected_package_shape_falls_back_to_the_ordinary_import_with_a_warning(fake_packages: Path) -> None:
    _fake_package(fake_packages, "fake_provider_custom", GENERATED_ROOT + "class Extra:\n    pass\n")
    with pytest.warns(ProviderPackageShapeWarning, match="unexpected statement at line 15"):
        assert register_lazily("fake_provider_custom") is False
    import fake_provider_custom

    assert not getattr(fake_provider_custom, "__constructs_lib_lazy__", False)
    assert sys.modules["fake_provider_custom.alpha"].LOADED is True  # its own __init__ imported every submodule


# What cdktn's generator writes (cdktn-provider-* 2x and later): a root that is lazy already (PEP 562).
LAZY_ROOT = '''\
r"""README of the package."""
from pkgutil import extend_path
__path__ = extend_path(__path__, __name__)
import importlib as _importlib
import typing
import jsii
import publication
from jsii._type_checking import cached_type_hints, check_type
from ._jsii import *
__all__ = ["alpha", "beta"]
# Type-checking-only imports for static analyzers (pyright/mypy).
if typing.TYPE_CHECKING:
    pass
    from . import alpha as alpha
    from . import beta as beta
publication.publish()
_SUBMODULES = {"alpha", "beta"}
def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        mod = _importlib.import_module(f".{name}", __name__)
        globals()[name] = mod
        return mod
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
def __dir__() -> "list[str]":
    return [*__all__, *_SUBMODULES]
import sys as _sys
setattr(_sys.modules[__name__], "__getattr__", __getattr__)
setattr(_sys.modules[__name__], "__dir__", __dir__)
'''


def test_a_package_root_that_is_lazy_already_is_left_alone_without_a_warning(fake_packages: Path) -> None:
    _fake_package(fake_packages, "fake_provider_lazy", LAZY_ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert register_lazily("fake_provider_lazy") is True
    assert "fake_provider_lazy" not in sys.modules  # not replaced: its own __init__ runs on import
    import fake_provider_lazy
    from fake_provider_lazy.beta import NAME

    assert NAME == "beta"
    assert "fake_provider_lazy.alpha" not in sys.modules
    assert fake_provider_lazy.alpha.LOADED is True
    assert not hasattr(fake_provider_lazy, "__constructs_lib_lazy__")
    assert register_lazily("fake_provider_lazy") is True  # after the import too


@pytest.mark.parametrize(("change", "problem"), [
    (lambda root: root + "from . import alpha\n", "imports submodules at line 29"),
    (lambda root: root + "from .beta import NAME\n", "imports from .beta at line 29"),
    (lambda root: root + "_importlib.import_module('.alpha', __name__)\n", "unexpected statement at line 29"),
    (lambda root: root.replace("    pass\n", "    pass\nelse:\n    from . import alpha\n"), "unexpected statement at line 12"),
    (lambda root: root.replace("_SUBMODULES = ", "SUBMODULES = "), "unexpected statement at line 17"),
    (lambda root: root.replace('"__dir__", __dir__)', '"__dir__", _importlib.import_module(".alpha", __name__))'),
     "unexpected statement at line 28"),
], ids=["submodule import", "import from a submodule", "module-level call", "TYPE_CHECKING else", "unknown name",
        "setattr of an import"])
def test_a_lazy_looking_root_that_is_not_exactly_the_generated_one_warns(
    fake_packages: Path, change: Any, problem: str
) -> None:
    _fake_package(fake_packages, "fake_provider_odd", change(LAZY_ROOT))
    with pytest.warns(ProviderPackageShapeWarning, match=f"fake_provider_odd is imported the ordinary .* {problem}"):
        assert register_lazily("fake_provider_odd") is False


def test_eager_switch_keeps_the_ordinary_import(fake_packages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_package(fake_packages, "fake_provider_eager", GENERATED_ROOT)
    monkeypatch.setenv(provider_bindings.EAGER_IMPORT_VARIABLE, "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert register_lazily("fake_provider_eager") is False
    assert "fake_provider_eager" not in sys.modules


def test_eager_switch_leaves_a_lazy_root_lazy(fake_packages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_package(fake_packages, "fake_provider_lazy_eager", LAZY_ROOT)
    monkeypatch.setenv(provider_bindings.EAGER_IMPORT_VARIABLE, "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert register_lazily("fake_provider_lazy_eager") is True  # the package's own doing, nothing to turn off


def test_the_session_synth_loaded_providers_lazily_on_both_sides(synthesized: Synthesized) -> None:
    """This process (conftest.py prepared the runtime) imports the patterns of both clouds: only the resource
    modules they use load, whatever other tests ran in it before."""
    import constructs_lib.aws.patterns
    import constructs_lib.gcp.patterns  # noqa: F401

    assert provider_bindings._runtime_prepared is True
    for package in ("cdktf_cdktf_provider_aws", "cdktf_cdktf_provider_google"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert register_lazily(package) is True  # replaced by ours (cdktf) or lazy already (cdktn)
        loaded = [name for name in sys.modules if name.startswith(f"{package}.")]
        assert 5 < len(loaded) < 200, f"{package}: {len(loaded)} submodules imported"


# --- the Node side -----------------------------------------------------------------------------------

GENERATED_INDEX = """\
"use strict";
/**
 * Copyright (c) HashiCorp, Inc.
 * SPDX-License-Identifier: MPL-2.0
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.beta = exports.alpha = void 0;
// generated by cdktf get
exports.alpha = require("./alpha");
exports.beta = require("./beta");
"""

# The index of a cdktn provider package (TypeScript 5.9 output of `export * as x from "./x/index"`).
CDKTN_INDEX = """\
"use strict";
/**
 * Copyright IBM Corp. 2021, 2026
 * SPDX-License-Identifier: MPL-2.0
 */
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.beta = exports.alpha = void 0;
// generated by cdktn get
exports.alpha = __importStar(require("./alpha/index"));
exports.beta = __importStar(require("./beta/index"));
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==
"""

INDEXES = {"cdktf": ("@cdktf/provider-fake", GENERATED_INDEX), "cdktn": ("@cdktn/provider-fake", CDKTN_INDEX)}


def _node_package(root: Path, index: str, name: str = "@cdktf/provider-fake") -> Path:
    package = root / "node_modules" / name
    for submodule in ("alpha", "beta"):
        (package / "lib" / submodule).mkdir(parents=True)
        # CommonJS without __esModule, so that cdktn's __importStar wraps it (a namespace with `default`).
        (package / "lib" / submodule / "index.js").write_text(
            f"globalThis.loaded = (globalThis.loaded || []).concat('{submodule}');\nexports.NAME = '{submodule}';\n",
            encoding="utf-8",
        )
    (package / "lib" / "index.js").write_text(index, encoding="utf-8")
    (package / "package.json").write_text(json.dumps({"name": name, "main": "lib/index.js"}), encoding="utf-8")
    return package


_NODE_PROBE = """
const fake = require(process.argv[1]);
const before = globalThis.loaded || [];
const keys = Object.keys(fake);
const beta = fake.beta;
const shape = { keys: Object.keys(beta), name: beta.NAME, wrapped: beta.default !== undefined && beta.default.NAME };
console.log(JSON.stringify({ before, keys, shape, after: globalThis.loaded }));
"""


def _probe_node(package: Path, *, hook: bool = True) -> tuple[dict[str, object], str]:
    result = subprocess.run(
        ["node", *(["--require", str(LAZY_EXPORTS_HOOK)] if hook else []), "-e", _NODE_PROBE, str(package)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(result.stdout), result.stderr


@pytest.mark.slow  # a fresh process
@pytest.mark.parametrize("generation", sorted(INDEXES))
def test_node_hook_requires_provider_modules_on_first_access(tmp_path: Path, generation: str) -> None:
    name, index = INDEXES[generation]
    package = _node_package(tmp_path, index, name)
    report, stderr = _probe_node(package)
    assert stderr == ""
    assert report["before"] == [] and report["after"] == ["beta"]
    # The exports are what the index itself gives (cdktn: the module wrapped by __importStar).
    ordinary, _ = _probe_node(package, hook=False)
    assert ordinary["before"] == ["alpha", "beta"]
    assert report["keys"] == ordinary["keys"] == ["alpha", "beta"]
    assert report["shape"] == ordinary["shape"]
    expected_keys = ["NAME", "default"] if generation == "cdktn" else ["NAME"]
    assert report["shape"]["keys"] == expected_keys


@pytest.mark.parametrize(("generation", "change", "problem"), [
    ("cdktf", lambda index: index + "exports.extra = computeSomething();\nfunction computeSomething() { return 1; }\n",
     "line 11 is not of the generated cdktf shape"),
    ("cdktn", lambda index: index.replace("desc.writable || desc.configurable", "desc.writable"),
     "line 6 is not of the generated cdktf shape"),  # other helpers: not the cdktn index, and not a cdktf one
    ("cdktn", lambda index: index.replace('exports.beta = __importStar(require("./beta/index"));',
                                          'exports.beta = require("./beta");'),
     "line 43 is not of the generated cdktn shape"),
    ("cdktf", lambda index: index.replace('exports.beta = require("./beta");',
                                          'exports.beta = __importStar(require("./beta/index"));'),
     "line 10 is not of the generated cdktf shape"),
], ids=["cdktf extra code", "cdktn other helpers", "cdktn plain require", "cdktf without helpers"])
@pytest.mark.slow  # a fresh process
def test_node_hook_loads_an_unexpected_index_eagerly_with_a_warning(
    tmp_path: Path, generation: str, change: Any, problem: str
) -> None:
    name, index = INDEXES[generation]
    changed = change(index)
    assert changed != index
    # The ordinary load of an index that uses __importStar without defining it throws; the warning comes first.
    probe = "try { require(process.argv[1]); } catch (error) { console.error(`the index threw: ${error.message}`); }"
    result = subprocess.run(
        ["node", "--require", str(LAZY_EXPORTS_HOOK), "-e", probe, str(_node_package(tmp_path, changed, name))],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert "LazyProviderExportsWarning" in result.stderr and problem in result.stderr, result.stderr


@pytest.mark.slow  # a fresh process
def test_node_hook_recognizes_both_scopes_only() -> None:
    probe = "const { PROVIDER_INDEX } = require(process.argv[1]); console.log(JSON.stringify(process.argv.slice(2).map((path) => PROVIDER_INDEX.test(path))));"
    paths = [
        "/tmp/jsii-kernel-1/node_modules/@cdktf/provider-aws/lib/index.js",
        "/home/user/.cache/aws/jsii/package-cache/@cdktn/provider-aws/25.8.1/0a1b/lib/index.js",
        "/tmp/jsii-kernel-1/node_modules/@cdktn/provider-google/lib/index.js",
        "/tmp/jsii-kernel-1/node_modules/@cdktn/provider-google/lib/compute-instance/index.js",
        "/tmp/jsii-kernel-1/node_modules/@acme/provider-aws/lib/index.js",
        "/tmp/jsii-kernel-1/node_modules/cdktn/lib/index.js",
    ]
    result = subprocess.run(["node", "-e", probe, str(LAZY_EXPORTS_HOOK), *paths], capture_output=True, text=True,
                            timeout=60, check=True)
    assert json.loads(result.stdout) == [True, True, True, False, False, False]


# --- the proof -----------------------------------------------------------------------------------------
#
# The fast path must write exactly the bytes the ordinary import writes. The ordinary import of a whole
# package costs tens of seconds (Python runs ~1,500-2,200 resource module bodies per package, Node requires
# as many modules), yet only the modules a program uses can take part in what it synthesizes. So the proof
# synthesizes every stack (in one fresh interpreter) with the ordinary loading of everything the stacks use:
# each package root runs its generated __init__ as generated, and Node each provider's lib/index.js as
# written (no lazy exports hook: tests/ordinary_index_subset.js), both with their submodule imports
# restricted to the submodules our code imports. Two tests keep that set honest: it covers every resource,
# data source and provider type in the output, and every provider submodule the synthesis loaded.
#
# The synthesis runs from another checkout (a copy of the code and config) and another working directory,
# so comparing it with the session's (main.py, this checkout) is also the determinism proof of
# tests/test_determinism.py.

PROVIDER_PACKAGES = ("cdktf_cdktf_provider_aws", "cdktf_cdktf_provider_google")
_SOURCE_DIRECTORIES = ("constructs_lib", "stacks")
_PROVIDER_IMPORT = re.compile(r"^from (cdktf_cdktf_provider_[a-z]+)\.([a-z0-9_]+) import", re.MULTILINE)
ORDINARY_INDEX_SUBSET_HOOK = Path(__file__).with_name("ordinary_index_subset.js")
#: What the copy of the checkout holds: everything main.py's synthesis reads.
CHECKOUT_ITEMS = ("main.py", "config", "stacks", "constructs_lib")


def imported_provider_submodules(root: Path = PROJECT_ROOT) -> dict[str, list[str]]:
    """Package -> the submodules our code imports, read from the source."""
    found: dict[str, set[str]] = {package: set() for package in PROVIDER_PACKAGES}
    for directory in _SOURCE_DIRECTORIES:
        for path in sorted((root / directory).rglob("*.py")):
            for package, submodule in _PROVIDER_IMPORT.findall(path.read_text(encoding="utf-8")):
                found[package].add(submodule)
    return {package: sorted(submodules) for package, submodules in found.items()}


def node_index_subset(used: dict[str, list[str]]) -> dict[str, list[str]]:
    """The same submodules as the Node hook names them: provider -> module directories (``data_aws_x`` -> ``data-aws-x``)."""
    return {package.rsplit("_", 1)[1]: [submodule.replace("_", "-") for submodule in submodules]
            for package, submodules in used.items()}


def another_checkout(directory: Path) -> Path:
    """A copy of what main.py's synthesis reads (code and config), as another clone would hold it."""
    for item in CHECKOUT_ITEMS:
        source = PROJECT_ROOT / item
        if source.is_dir():
            shutil.copytree(source, directory / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            directory.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, directory / item)
    return directory


_ORDINARY_IMPORT_PROBE = """
import ast, importlib.util, json, sys
project, outdir, used = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, project)
for package, submodules in used.items():
    spec = importlib.util.find_spec(package)
    tree = ast.parse(open(spec.origin, encoding="utf-8").read(), spec.origin)
    tree.body = [statement for statement in tree.body if not (
        isinstance(statement, ast.ImportFrom) and statement.level == 1 and statement.module is None
        and not {alias.name for alias in statement.names} & set(submodules))]
    package_module = importlib.util.module_from_spec(spec)
    sys.modules[package] = package_module
    exec(compile(tree, spec.origin, "exec"), package_module.__dict__)
# In this process (main.py would start a process per cloud, without the restriction above).
from pathlib import Path
from config import CLOUDS, load_configuration
from stacks.synthesis import synthesize
synthesize(load_configuration(), CLOUDS, Path(outdir))
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in used)))
"""


@dataclass(frozen=True)
class OrdinarySynthesis:
    returncode: int
    stderr: str
    outdir: Path
    #: The provider modules the synthesis imported (package roots and submodules).
    loaded_modules: tuple[str, ...]


@pytest.fixture(scope="module")
def ordinary(tmp_path_factory: pytest.TempPathFactory) -> OrdinarySynthesis:
    """Every stack synthesized with the bindings imported the ordinary way, from another checkout."""
    work = tmp_path_factory.mktemp("ordinary")
    checkout = another_checkout(work / "another" / "checkout")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    used = imported_provider_submodules()
    result = run(
        [sys.executable, "-c", _ORDINARY_IMPORT_PROBE, str(checkout), "out", json.dumps(used)], cwd=elsewhere,
        # No lazy exports hook in Node and no lazy package roots in Python.
        CONSTRUCTS_LIB_EAGER_PROVIDER_IMPORT="1", NODE_OPTIONS=f'--require "{ORDINARY_INDEX_SUBSET_HOOK}"',
        ORDINARY_INDEX_SUBSET=json.dumps(node_index_subset(used)),
    )
    loaded = tuple(json.loads(result.stdout.splitlines()[-1])) if result.returncode == 0 else ()
    return OrdinarySynthesis(result.returncode, result.stderr, elsewhere / "out", loaded)


@pytest.mark.slow
def test_the_ordinary_import_from_another_checkout_writes_main_pys_bytes(
    synthesized: Synthesized, ordinary: OrdinarySynthesis
) -> None:
    """The session's output is main.py's (this checkout, a process per cloud, lazy loading); this synthesis runs
    in one interpreter from a copy of the checkout, in another working directory, loading the bindings the
    ordinary way. Equal bytes: neither the checkout, the directory, the process layout nor the way the
    bindings load leaks into the output (the determinism proof of tests/test_determinism.py too)."""
    assert ordinary.returncode == 0, ordinary.stderr
    assert tree_bytes(ordinary.outdir) == tree_bytes(synthesized.outdir)


def _submodule_of(terraform_type: str, *, data: bool) -> tuple[str, str]:
    provider, _, rest = terraform_type.partition("_")
    package = f"cdktf_cdktf_provider_{provider}"
    return package, f"data_{terraform_type}" if data else rest


def test_the_ordinary_import_covers_every_type_in_the_output(synthesized: Synthesized) -> None:
    used = imported_provider_submodules()
    needed: set[tuple[str, str]] = set()
    for document in synthesized.documents.values():
        needed |= {_submodule_of(kind, data=False) for kind in document.get("resource", {})}
        needed |= {_submodule_of(kind, data=True) for kind in document.get("data", {})}
        needed |= {(f"cdktf_cdktf_provider_{provider}", "provider") for provider in document.get("provider", {})}
    missing = sorted(f"{package}.{submodule}" for package, submodule in needed if submodule not in used[package])
    assert missing == []
    assert len(needed) > 60  # every stack's types, not a few


@pytest.mark.slow
def test_the_ordinary_import_covers_every_submodule_the_synthesis_loaded(ordinary: OrdinarySynthesis) -> None:
    assert ordinary.returncode == 0, ordinary.stderr
    used = imported_provider_submodules()
    for package in PROVIDER_PACKAGES:
        # Leaving out the package's internals: _jsii, and _private (publication.publish() registers the root
        # under that name, which a cdktn root runs and our replacement of a cdktf root does not).
        loaded = {name.split(".")[1] for name in ordinary.loaded_modules
                  if name.startswith(f"{package}.") and not name.split(".")[1].startswith("_")}
        assert loaded and loaded <= set(used[package]), sorted(loaded - set(used[package]))


_SUBSET_PROBE = """
const path = require('path');
globalThis.loaded = [];
const index = require(path.resolve(process.argv[1]));
console.log(JSON.stringify({exports: Object.keys(index).sort(), loaded: globalThis.loaded}));
"""


@pytest.mark.slow  # a fresh process each
@pytest.mark.parametrize("generation", ["cdktf", "cdktn"])
def test_the_node_subset_requires_the_used_modules_eagerly_and_refuses_an_unknown_one(tmp_path: Path, generation: str) -> None:
    """The index as written less the unused require lines; Python submodule names map to module directories."""
    subset = node_index_subset({"cdktf_cdktf_provider_aws": ["data_aws_region", "vpc"]})
    assert subset == {"aws": ["data-aws-region", "vpc"]}
    lib = tmp_path / "node_modules" / f"@{generation}" / "provider-aws" / "lib"
    names = {"dataAwsRegion": "data-aws-region", "subnet": "subnet", "vpc": "vpc"}
    lines = ['"use strict";', 'Object.defineProperty(exports, "__esModule", { value: true });',
             "exports.vpc = exports.subnet = exports.dataAwsRegion = void 0;"]
    for export, directory in names.items():
        (lib / directory).mkdir(parents=True)
        (lib / directory / "index.js").write_text(f"globalThis.loaded.push('{directory}'); exports.{export} = 1;\n")
        request = f'require("./{directory}")' if generation == "cdktf" else f'__importStar(require("./{directory}/index"))'
        lines.append(f"exports.{export} = {request};")
    helpers = "var __importStar = function (mod) { return mod; };\n" if generation == "cdktn" else ""
    (lib / "index.js").write_text(helpers + "\n".join(lines) + "\n", encoding="utf-8")

    def run(chosen: dict[str, list[str]]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["node", "--require", str(ORDINARY_INDEX_SUBSET_HOOK), "-e", _SUBSET_PROBE, str(lib / "index.js")],
                              capture_output=True, text=True, timeout=60, check=False,
                              env={**subprocess_environment(), "ORDINARY_INDEX_SUBSET": json.dumps(chosen)})

    loaded = run(subset)
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == {"exports": ["dataAwsRegion", "subnet", "vpc"], "loaded": ["data-aws-region", "vpc"]}
    unknown = run({"aws": ["vpc", "no-such-module"]})
    assert unknown.returncode != 0 and "requires no module named no-such-module" in unknown.stderr


def test_hook_file_ships_inside_the_package() -> None:
    assert LAZY_EXPORTS_HOOK.parent == Path(provider_bindings.__file__).parent
    assert textwrap.dedent(LAZY_EXPORTS_HOOK.read_text(encoding="utf-8")).startswith("// Loaded into the jsii runtime")


_LATE_PROBE = """
import importlib, warnings, json, sys
sys.path.insert(0, sys.argv[1])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    importlib.import_module(sys.argv[2])  # cdktf (cdktn once moved): the runtime starts without the hook
    import constructs_lib.aws
    import constructs_lib.gcp
print(json.dumps([type(warning.message).__name__ for warning in caught]))
"""


@pytest.mark.slow  # a fresh process
def test_importing_cdktf_first_warns_once_with_what_to_do() -> None:
    import cdktf  # its module name (cdktn once moved); imported here, after constructs_lib

    result = subprocess.run([sys.executable, "-c", _LATE_PROBE, str(PROJECT_ROOT), cdktf.__name__], capture_output=True, text=True,
                            timeout=120, env=subprocess_environment(), check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == ["ProviderLoadingOrderWarning"]
