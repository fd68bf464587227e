"""The move to CDK Terrain (compat/): the rename rules, the allowed differences, docs/cdk-terrain.md's review.

`make test-cdktn` runs the renamed tree for real (synthesis, comparison, the whole suite on cdktn);
these tests pin the rules themselves, fast, in the ordinary suite.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest

from compat.compare import SNAPSHOT, STACK, adopt_allowed, compare
from compat.rename import compat_pins, rename_markdown, rename_python, rename_requirements, write_tree

from .conftest import Synthesized
from .helpers import PROJECT_ROOT

# The old names are assembled from parts: this module is renamed by the same rules in the renamed tree
# (make test-cdktn), and its inputs must stay the old names there too.
OLD_NAMES = {"<provider>": "cdktf_" + "cdktf_provider_", "<dist>": "cdktf-" + "cdktf-provider-",
             "<node>": "@cdktf" + "/provider-"}


def _old(template: str) -> str:
    for marker, name in OLD_NAMES.items():
        template = template.replace(marker, name)
    return template


SOURCE = _old('''\
"""Uses cdktf: this docstring stays as it is."""
import cdktf
from cdktf import App, TerraformStack  # cdktf in a comment stays
from <provider>aws.s3_bucket import S3Bucket
import <provider>google.provider as google

register_lazily("<provider>aws")
PATTERN = r"^from (<provider>[a-z]+)\\.([a-z0-9_]+) import"
package = f"<provider>{name}"
node = "node_modules/<node>aws/lib/index.js"
wheel = "<dist>aws>=21"
MANAGED_BY = "cdktf"
outdir = "cdktf.out"
synth = cdktf.Testing.synth
''')

RENAMED = '''\
"""Uses cdktf: this docstring stays as it is."""
import cdktn
from cdktn import App, TerraformStack  # cdktf in a comment stays
from cdktn_provider_aws.s3_bucket import S3Bucket
import cdktn_provider_google.provider as google

register_lazily("cdktn_provider_aws")
PATTERN = r"^from (cdktn_provider_[a-z]+)\\.([a-z0-9_]+) import"
package = f"cdktn_provider_{name}"
node = "node_modules/@cdktn/provider-aws/lib/index.js"
wheel = "cdktn-provider-aws>=21"
MANAGED_BY = "cdktf"
outdir = "cdktf.out"
synth = cdktn.Testing.synth
'''


def test_python_rules_rename_modules_and_module_names_in_strings_only() -> None:
    renamed, count = rename_python(SOURCE)
    assert renamed == RENAMED
    assert count == 10
    assert rename_python(renamed) == (renamed, 0)  # idempotent: the move can run on a moved tree


def test_markdown_rules_rename_python_blocks_and_the_cli_but_not_prose() -> None:
    text = ("Built on cdktf; run `npx cdktf-cli@0.21.0 synth`.\n\n```python\nfrom cdktf import App\n```\n\n"
            "```sh\npip install cdktf\n```\n")
    renamed, count = rename_markdown(text, {"cdktn": "0.24.0"})
    assert renamed == ("Built on cdktf; run `npx cdktn-cli@0.24.0 synth`.\n\n```python\nfrom cdktn import App\n```\n\n"
                       "```sh\npip install cdktf\n```\n")
    assert count == 2


def test_requirements_come_from_the_cdktn_pins() -> None:
    pins = compat_pins()
    assert pins["cdktn"] == "0.24.0" and pins["constructs"] == "10.7.2"
    text = _old('dependencies = ["cdktf>=0.21.0,<0.22", "constructs>=10.3,<11"]\n'
                'aws = ["<dist>aws>=21.22.1,<22"]\nother = ["requests>=2"]\n')
    renamed, count = rename_requirements(text, pins)
    assert renamed == ('dependencies = ["cdktn>=0.24.0,<0.25", "constructs>=10.7.2,<10.8"]\n'
                       f'aws = ["cdktn-provider-aws>={pins["cdktn-provider-aws"]},<26"]\nother = ["requests>=2"]\n')
    assert count == 3


@pytest.mark.slow  # a fresh process
def test_the_whole_tree_renames_to_code_that_compiles_and_imports_no_cdktf(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(PROJECT_ROOT, tree)
    assert (tree / "Pipfile.lock").read_bytes() == (PROJECT_ROOT / "compat" / "Pipfile.lock").read_bytes()
    assert (tree / "compat" / "rename.py").read_bytes() == (PROJECT_ROOT / "compat" / "rename.py").read_bytes()
    leftovers = []
    for path in sorted(tree.rglob("*.py")):
        if path.is_relative_to(tree / "compat"):
            continue
        source = path.read_text(encoding="utf-8")
        compile(source, str(path), "exec")
        names = {token.string for token in tokenize.generate_tokens(io.StringIO(source).readline)
                 if token.type == tokenize.NAME}
        leftovers += [f"{path.relative_to(tree)}: {name}" for name in names if name.startswith("cdktf")]
    assert leftovers == []


# --- the allowed differences ------------------------------------------------------------------------------

OLD = {
    "//": {"metadata": {"version": "0.21.0", "stackName": "s"}},
    "terraform": {"required_providers": {"aws": {"source": "aws", "version": "6.25.0"}}},
    "resource": {"aws_s3_bucket": {"b": {"bucket": "data", "tags": {"ManagedBy": "cdktf"}}}},
}


def _changed(**edits: object) -> dict[str, object]:
    new = json.loads(json.dumps(OLD))
    for dotted, value in edits.items():
        *parents, last = dotted.split("__")
        target = new
        for key in parents:
            target = target[key]
        target[last] = value
    return new


@pytest.mark.parametrize(("edits", "allowed"), [
    ({"terraform__required_providers__aws__version": "6.69.1"}, True),
    ({"terraform__required_providers__aws__source": "hashicorp/aws"}, True),
    ({"terraform__required_providers__aws__source": "registry.terraform.io/hashicorp/aws"}, True),
    ({"terraform__required_providers__aws__source": "acme/aws"}, False),
    ({"//__metadata__version": "0.24.0"}, True),
    ({"//__metadata__stackName": "t"}, False),
    ({"resource__aws_s3_bucket__b__bucket": "other"}, False),
    ({"resource__aws_s3_bucket__b__acl": "private"}, False),  # a key on one side only
])
def test_only_listed_differences_are_allowed(edits: dict[str, object], allowed: bool) -> None:
    (difference,) = compare("stack", STACK, OLD, _changed(**edits))
    assert (difference.allowed is not None) is allowed


def test_snapshots_adopt_the_allowed_differences_and_nothing_else() -> None:
    snapshot = {key: value for key, value in OLD.items() if key != "//"}
    new = _changed(terraform__required_providers__aws__version="6.69.1", resource__aws_s3_bucket__b__bucket="x")
    new.pop("//")
    adopted = adopt_allowed(snapshot, new, SNAPSHOT)
    assert adopted["terraform"]["required_providers"]["aws"]["version"] == "6.69.1"
    assert adopted["resource"] == snapshot["resource"]  # left to fail the snapshot test
    assert snapshot["terraform"]["required_providers"]["aws"]["version"] == "6.25.0"  # not modified in place


# --- docs/cdk-terrain.md's review of the provider upgrades -------------------------------------------------------

UPGRADES_PAGE = PROJECT_ROOT / "docs" / "cdk-terrain.md"
UPGRADES_SECTION = "## What the provider upgrades mean for existing state"


def test_the_page_reviewed_the_upgrade_guides_for_every_type_the_stacks_use(synthesized: Synthesized) -> None:
    text = UPGRADES_PAGE.read_text(encoding="utf-8")
    start = text.index(UPGRADES_SECTION)
    end = text.find("\n## ", start + 1)
    section = text[start:end if end >= 0 else len(text)]
    reviewed = set(re.findall(r"`((?:aws|google|random)_[a-z0-9_]+)`", section))
    used = {kind for document in synthesized.documents.values()
            for block in ("resource", "data") for kind in document.get(block, {})}
    assert sorted(used - reviewed) == [], "review the provider upgrade guides for these types, then list them"
