"""JSON Schemas of the Kubernetes resources the template generates, to validate them here.

A Kubernetes API server checks a custom resource against the structural OpenAPI v3 schema of
its CustomResourceDefinition, which is JSON Schema with Kubernetes extensions. `crd_schema`
turns one into plain JSON Schema (Draft 7) that `jsonschema` enforces the same way:

* `x-kubernetes-int-or-string: true`: an integer or a string (`anyOf` of both in the CRD);
* `nullable: true`: null is allowed too;
* `x-kubernetes-preserve-unknown-fields: true`: any field is kept, so none is refused;
* `x-kubernetes-embedded-resource: true`: an object that also has apiVersion, kind, metadata;
* any other object with `properties` is closed (`additionalProperties: false`): the API
  server drops unknown fields, and `kubectl apply` (strict field validation, its default)
  refuses them, so a misspelt field must fail here too;
* `x-kubernetes-list-type: set`: unique items. Not checked here: CEL rules
  (`x-kubernetes-validations`) and the keys of `x-kubernetes-list-type: map` lists.

The Spark operator's SparkApplication (sparkoperator.k8s.io/v1beta2) has two sources:

* its CRD, `sparkoperator.k8s.io_sparkapplications.yaml` of kubeflow/spark-operator
  (charts/spark-operator-chart/crds/, the same file as config/crd/bases/), when one is at
  hand: `$SPARK_OPERATOR_CRD`, or `crds/` of the shared folder beside this checkout. It is not
  kept in this repository.
* always: the operator project's Python API models (PyPI `kubeflow-spark-api`, pinned in the
  dev group), generated from the same Go types as the CRD. `model_schema` turns them into
  JSON Schema. They give every field's name, type and whether it is required; the CRD adds
  its enums and minimums (e.g. `mode`: cluster or client).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
SPARK_APPLICATION_CRD = "sparkoperator.k8s.io_sparkapplications.yaml"
SPARK_APPLICATION_VERSION = "v1beta2"

Schema = dict[str, Any]
Validate = Callable[[Any], list[str]]

# Kubernetes extensions that change nothing `jsonschema` can check.
_DROPPED = (
    "x-kubernetes-validations",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
)


def crd_schema(crd: dict[str, Any], version: str) -> Schema:
    """The JSON Schema (Draft 7) of `version` of a CustomResourceDefinition."""
    for served in crd["spec"]["versions"]:
        if served["name"] == version:
            schema = _structural(served["schema"]["openAPIV3Schema"])
            return {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
    names = [v["name"] for v in crd["spec"]["versions"]]
    raise KeyError(f"{crd['metadata']['name']} serves {names}, not {version}")


def _structural(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {name: _structural(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _structural(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_structural(sub) for sub in value]
        else:
            out[key] = value
    if out.pop("x-kubernetes-int-or-string", False):
        # The CRD spells it `anyOf: [{type: integer}, {type: string}]`; other keywords of the
        # node (pattern, maximum) apply to the matching form only, as in JSON Schema.
        out.pop("anyOf", None)
        out["type"] = ["integer", "string"]
    if out.pop("nullable", False) and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    if out.pop("x-kubernetes-list-type", None) == "set":
        out["uniqueItems"] = True
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if out.pop("x-kubernetes-embedded-resource", False):
        out.setdefault("properties", {})
        for name, sub in (("apiVersion", "string"), ("kind", "string"), ("metadata", "object")):
            out["properties"].setdefault(name, {"type": sub})
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def find_crd(name: str) -> Path | None:
    """A CRD file given by $SPARK_OPERATOR_CRD, or found in crds/ of the shared folder."""
    given = os.environ.get("SPARK_OPERATOR_CRD")
    if given:
        path = Path(given)
        if not path.is_file():
            raise FileNotFoundError(f"SPARK_OPERATOR_CRD={given} is not a file")
        return path
    for shared in (TEMPLATE_ROOT.parent / "shared", TEMPLATE_ROOT / "shared"):
        path = shared / "crds" / name
        if path.is_file():
            return path
    return None


def load_crd(path: Path) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    crds = [d for d in docs if d.get("kind") == "CustomResourceDefinition"]
    if len(crds) != 1:
        raise ValueError(f"{path}: expected one CustomResourceDefinition, found {len(crds)}")
    return crds[0]


# The operator's models name Kubernetes' own types, which serialise as plain JSON values:
# IntOrString as an integer or a string, Quantity ("1.5Gi", 2) as either too.
_PLAIN_TYPES = {
    "IoK8sApimachineryPkgUtilIntstrIntOrString": {"type": ["integer", "string"]},
    "IoK8sApimachineryPkgApiResourceQuantity": {"type": ["integer", "number", "string"]},
}


def model_schema() -> Schema:
    """The JSON Schema (2020-12) of a SparkApplication, from the operator's API models."""
    from kubeflow_spark_api.models.spark_v1beta2_spark_application import (
        SparkV1beta2SparkApplication,
    )

    schema = copy.deepcopy(SparkV1beta2SparkApplication.model_json_schema(by_alias=True))
    for name, plain in _PLAIN_TYPES.items():
        if name in schema.get("$defs", {}):
            schema["$defs"][name] = plain
    _close_objects(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _close_objects(node: Any) -> None:
    """Refuse unknown fields, as strict field validation does (the models ignore them)."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)


def validator(schema: Schema) -> Validate:
    """A function giving every error of a document, each with its path ([] when valid)."""
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    checker = cls(schema)

    def validate(document: Any) -> list[str]:
        return [
            f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
            for error in sorted(checker.iter_errors(document), key=lambda e: list(e.path))
        ]

    return validate


def spark_application_validators() -> dict[str, Validate]:
    """Every schema of the SparkApplication at hand: the API models', and the CRD's if found."""
    found = {"kubeflow-spark-api models": validator(model_schema())}
    crd = find_crd(SPARK_APPLICATION_CRD)
    if crd is not None:
        schema = crd_schema(load_crd(crd), SPARK_APPLICATION_VERSION)
        found[f"CRD {crd}"] = validator(schema)
    return found
