"""docs/examples/deploy/template.yaml stays deployable as the schemas move.

cfn-lint (dev extra) validates the template with the SAM transform against its bundled
SAM and CloudFormation schemas. Two things it leaves out for SAM templates are checked
here against the same bundled data: that every IAM action exists (its W3037 skips
templates with the SAM transform) and that DurableConfig's values are within the
bounds of AWS::Lambda::Function (the SAM schema types them as plain numbers).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("cfnlint", reason="cfn-lint is not installed (pip install -e '.[dev]')")

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "examples" / "deploy"
TEMPLATE = DEPLOY / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (``!Ref``, ``!Sub``, ...) kept as
    ``{"Fn::...": value}``-like dicts, enough to walk the template."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    assert isinstance(node, yaml.MappingNode)
    return {suffix: loader.construct_mapping(node)}


_CfnLoader.add_multi_constructor("!", _tag)


def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    return loaded


def cfn_lint(*paths: Path) -> list[dict[str, Any]]:
    """cfn-lint's findings (JSON) for ``paths``, in a subprocess like its CLI."""
    command = [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
               "--format", "json", *map(str, paths)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    assert done.stdout.strip(), done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def bundled(*parts: str) -> Any:
    return json.loads(files("cfnlint").joinpath("data", *parts).read_text(encoding="utf-8"))


def statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every IAM policy statement anywhere in the template."""
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            yield node
        for value in node.values():
            yield from statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from statements(value)


def test_cfn_lint_passes_and_reads_the_durable_config(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = TEMPLATE.read_text(encoding="utf-8")
    assert "RetentionPeriodInDays: 7" in text
    broken.write_text(text.replace("RetentionPeriodInDays: 7", "RetentionPeriodInDay: 7"), encoding="utf-8")
    findings = cfn_lint(TEMPLATE, broken)
    assert [f for f in findings if Path(f["Filename"]).name == TEMPLATE.name] == []
    # the same lint sees inside a SAM function's DurableConfig
    assert {(f["Rule"]["Id"], f["Location"]["Path"][-1]) for f in findings} == {("E3002", "RetentionPeriodInDay")}


def test_every_iam_action_exists() -> None:
    known = bundled("AdditionalSpecs", "Policies.json")
    actions = [a for s in statements(template()) for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert "lambda:CheckpointDurableExecution" in actions and "lambda:GetDurableExecutionState" in actions
    for action in actions:
        service, _, name = action.partition(":")
        assert name.lower() in known[service]["Actions"], f"{action} is not an IAM action"


def test_durable_config_is_within_the_lambda_schema() -> None:
    schema_id = bundled("schemas", "providers", "us-east-1.json")["AWS::Lambda::Function"]
    durable = bundled("schemas", "resources", f"{schema_id}.json")["definitions"]["DurableConfig"]
    functions = [r["Properties"] for r in template()["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    configs = [f["DurableConfig"] for f in functions if "DurableConfig" in f]
    assert configs
    for config in configs:
        assert set(durable["required"]) <= config.keys() <= durable["properties"].keys()
        for key, value in config.items():
            bounds = durable["properties"][key]
            assert bounds.get("minimum", value) <= value <= bounds.get("maximum", value), f"{key}: {value}"


def test_every_handler_is_a_function_of_the_package() -> None:
    code = template()
    code_uri = code["Globals"]["Function"]["CodeUri"]
    for resource in code["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        module, _, function = resource["Properties"]["Handler"].rpartition(".")
        source = DEPLOY / code_uri / f"{module}.py"
        defined = {n.name for n in ast.parse(source.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)}
        assert function in defined, f"{resource['Properties']['Handler']} is not in {source}"


def test_the_docs_quote_the_template() -> None:
    page = (DEPLOY.parents[2] / "docs" / "deploy.md").read_text(encoding="utf-8")
    quoted = re.findall(r"```yaml\n(.*?)```", page, re.DOTALL)
    assert quoted
    text = TEMPLATE.read_text(encoding="utf-8")
    for excerpt in quoted:
        assert excerpt in text, f"docs/deploy.md quotes lines template.yaml does not have:\n{excerpt}"
