"""tests/k8s_schemas.py: a CRD's structural schema becomes JSON Schema that refuses what the
API server refuses; the Spark operator's API models give a SparkApplication schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from k8s_schemas import crd_schema, find_crd, load_crd, model_schema, validator

# A small CRD in the form controller-gen writes, with each extension the translation handles.
CRD: dict[str, Any] = yaml.safe_load(
    """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              required: [size]
              x-kubernetes-validations:
                - rule: self.size > 0
              properties:
                size: {type: integer, format: int32, minimum: 1}
                port:
                  anyOf: [{type: integer}, {type: string}]
                  x-kubernetes-int-or-string: true
                note: {type: string, nullable: true}
                mode: {type: string, enum: [fast, safe]}
                labels:
                  type: object
                  additionalProperties: {type: string}
                tags:
                  type: array
                  items: {type: string}
                  x-kubernetes-list-type: set
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                template:
                  type: object
                  x-kubernetes-embedded-resource: true
                  properties:
                    spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
)
VALID = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"size": 3}}


@pytest.fixture(scope="module")
def validate() -> Any:
    return validator(crd_schema(CRD, "v1"))


def with_spec(**fields: Any) -> dict[str, Any]:
    return {**VALID, "spec": {"size": 3, **fields}}


@pytest.mark.parametrize("port", [8080, "http", "50%"])
def test_int_or_string_takes_either(validate: Any, port: Any) -> None:
    assert validate(with_spec(port=port)) == []


@pytest.mark.parametrize("port", [1.5, True, None, ["80"], {"port": 80}])
def test_int_or_string_refuses_anything_else(validate: Any, port: Any) -> None:
    assert validate(with_spec(port=port))


def test_the_translation_replaces_the_extension_by_a_type() -> None:
    port = crd_schema(CRD, "v1")["properties"]["spec"]["properties"]["port"]
    assert port == {"type": ["integer", "string"]}


def test_types_enums_and_minimums_are_enforced(validate: Any) -> None:
    assert validate(VALID) == []
    assert validate(with_spec(size="3"))
    assert validate(with_spec(size=0))
    assert validate(with_spec(mode="slow"))
    assert validate({**VALID, "spec": {}}), "a required field is missing"


def test_unknown_fields_are_refused_unless_preserved(validate: Any) -> None:
    assert validate(with_spec(colour="red"))
    assert validate({**VALID, "status": {}})
    assert validate(with_spec(extra={"anything": {"goes": [1]}})) == []
    assert validate(with_spec(labels={"a": "b"})) == []
    assert validate(with_spec(labels={"a": 1}))


def test_nullable_sets_and_embedded_resources(validate: Any) -> None:
    assert validate(with_spec(note=None)) == []
    assert validate(with_spec(tags=["a", "b"])) == []
    assert validate(with_spec(tags=["a", "a"]))
    embedded = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"x": 1}}
    assert validate(with_spec(template=embedded)) == []
    assert validate(with_spec(template={**embedded, "colour": "red"}))


def test_an_unserved_version_is_an_error() -> None:
    with pytest.raises(KeyError, match="serves"):
        crd_schema(CRD, "v2")


def test_a_crd_file_is_read_and_a_missing_one_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "widgets.yaml"
    path.write_text("---\n" + yaml.safe_dump(CRD))
    monkeypatch.setenv("SPARK_OPERATOR_CRD", str(path))
    assert find_crd("any.yaml") == path
    assert load_crd(path)["metadata"]["name"] == "widgets.example.com"
    monkeypatch.setenv("SPARK_OPERATOR_CRD", str(tmp_path / "missing.yaml"))
    with pytest.raises(FileNotFoundError, match="SPARK_OPERATOR_CRD"):
        find_crd("any.yaml")


def test_the_api_models_give_a_closed_schema_with_plain_int_or_string() -> None:
    schema = model_schema()
    defs = schema["$defs"]
    assert defs["IoK8sApimachineryPkgUtilIntstrIntOrString"] == {"type": ["integer", "string"]}
    spec = defs["SparkV1beta2SparkApplicationSpec"]
    assert {"driver", "executor", "mainApplicationFile", "sparkVersion", "type"} <= set(
        spec["required"]
    )
    assert spec["additionalProperties"] is False
    validate = validator(schema)
    app = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": "x"},
        "spec": {
            "type": "Python",
            "sparkVersion": "4.3.0",
            "mainApplicationFile": "local:///main.py",
            "driver": {"cores": 1},
            "executor": {"cores": 2},
        },
    }
    assert validate(app) == []
    app["spec"]["executor"]["cores"] = "2"
    assert validate(app)
