"""Load the data contracts (Open Data Contract Standard v3) and turn them into typed rules.

A contract is checked twice: against the ODCS JSON Schema shipped with the
`open-data-contract-standard` package (structure, types, enums), then against what this
pipeline needs from it (one schema object, a key, an event-time column, known masking
strategies...). Every error names the file, the dataset and the field.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft201909Validator

LogicalType = Literal["string", "integer", "number", "boolean", "date", "timestamp"]
LOGICAL_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean", "date", "timestamp")
MASKINGS = ("pseudonymise", "generalise_ip", "generalise_year", "redact", "drop", "none")
PII_CLASSES = ("direct_identifier", "quasi_identifier", "free_text")
ROLES = ("fact", "reference")
FORMATS = ("csv", "json", "parquet")
SEVERITIES = ("error", "warn")
OPERATORS = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
)
CONTRACT_GLOB = "*.odcs.yaml"
# Plausibility window of date and timestamp values, unless a property sets its own
# (`notBefore`, `maxFutureDays`): a year 0001 or 2999 is a typo or a placeholder, and a
# far-future `updated_at` would win every later merge and hide staleness from freshness.
DEFAULT_NOT_BEFORE = date(1900, 1, 1)
DEFAULT_MAX_FUTURE_DAYS = 1.0
# Longest input line (bytes) a record may take, unless the schema sets `maxRecordBytes`.
DEFAULT_MAX_RECORD_BYTES = 1024 * 1024
# A `sourcePath`: keys separated by dots, each maybe indexing an array (`items[0].sku`).
_PATH_STEP = re.compile(r"([^.\[\]'\"]+)((?:\[\d+\])*)")


class ContractError(ValueError):
    """A contract is invalid; the message names the file, the dataset and the field."""


@dataclass(frozen=True)
class Relationship:
    dataset: str
    column: str
    enrich_columns: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    name: str
    logical_type: LogicalType
    required: bool = False
    primary_key: bool = False
    pattern: str | None = None
    format: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    valid_values: tuple[str, ...] | None = None
    case: Literal["lower", "upper"] | None = None
    pii_class: str | None = None
    masking: str = "none"
    classification: str | None = None
    references: Relationship | None = None
    # date and timestamp columns only: the plausible window, [not_before, now + max_future_days]
    not_before: date | None = None
    max_future_days: float | None = None
    # Where a JSON record holds the value, when not under the column's name (`sourcePath`).
    source_path: str | None = None
    # The property's `description`, when the contract gives one (lineage's schema facets).
    description: str | None = None

    @property
    def path(self) -> tuple[str | int, ...]:
        """The keys and array indexes leading to the value in a JSON record."""
        return path_steps(self.source_path) if self.source_path else (self.name,)


@dataclass(frozen=True)
class QualityRule:
    """A contract quality rule: `metric` compared with `threshold` by `operator`."""

    name: str
    metric: str
    operator: str
    threshold: float
    severity: Literal["error", "warn"]
    column: str | None = None
    unit: str = "rows"
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Contract:
    dataset: str
    path: Path
    version: str
    role: Literal["fact", "reference"]
    source_format: Literal["csv", "json", "parquet"]
    source_glob: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    event_time: str
    quality: tuple[QualityRule, ...]
    retention_days: int | None
    freshness_hours: float | None
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.dataset} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def nested(self) -> bool:
        """Whether a JSON record holds some value away from its column's name (`sourcePath`)."""
        return any(column.source_path for column in self.columns)

    @property
    def pii_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.masking != "none")

    @property
    def enrichments(self) -> tuple[Enrichment, ...]:
        """The reference columns this contract's rows are enriched with, per foreign key."""
        return tuple(
            Enrichment(column.name, column.references)
            for column in self.columns
            if column.references is not None and column.references.enrich_columns
        )


@dataclass(frozen=True)
class Enrichment:
    """One foreign key's reference columns, as the batch and the stream both add them:
    `events.user_id -> customers.country` becomes the column `user_country`."""

    column: str  # the fact's foreign key
    reference: Relationship

    def name(self, enrich_column: str) -> str:
        return f"{self.column.removesuffix('_id')}_{enrich_column}"


def path_steps(path: str) -> tuple[str | int, ...]:
    """`customer.address.city` -> ("customer", "address", "city"); `items[0].sku` -> ("items",
    0, "sku"). A ValueError for a path that is not keys separated by dots."""
    steps: list[str | int] = []
    for part in path.split("."):
        match = _PATH_STEP.fullmatch(part)
        if match is None:
            raise ValueError(f"{path!r} is not keys separated by dots, e.g. customer.address.city")
        steps.append(match.group(1))
        steps += [int(index) for index in re.findall(r"\d+", match.group(2))]
    return tuple(steps)


def load_contracts(directory: Path) -> dict[str, Contract]:
    """Every `*.odcs.yaml` in `directory`, by dataset name; reference data first."""
    paths = sorted(directory.glob(CONTRACT_GLOB))
    if not paths:
        raise ContractError(f"{directory}: no contracts ({CONTRACT_GLOB}) found")
    contracts = [load_contract(path) for path in paths]
    by_name: dict[str, Contract] = {}
    for contract in contracts:
        if contract.dataset in by_name:
            raise ContractError(
                f"{contract.path}: dataset {contract.dataset!r} is also defined in "
                f"{by_name[contract.dataset].path}"
            )
        by_name[contract.dataset] = contract
    _check_relationships(by_name)
    ordered = sorted(by_name.values(), key=lambda c: (c.role != "reference", c.dataset))
    return {contract.dataset: contract for contract in ordered}


def load_contract(path: Path) -> Contract:
    return _parse_contract(path, path.read_text(encoding="utf-8"))


# libyaml's safe loader where PyYAML was built with it (ten times faster), else Python's.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Contracts are immutable: a process that loads the same text again (every test, every
# orchestrator task) reuses the checked contract instead of parsing and validating it anew.
@functools.lru_cache(maxsize=64)
def _parse_contract(path: Path, text: str) -> Contract:
    try:
        document = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (both loaders are safe)
    except yaml.YAMLError as error:
        raise ContractError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise ContractError(f"{path}: expected a mapping at the top level")
    dataset = str(document.get("id") or document.get("name") or path.stem)
    _check_odcs_schema(path, dataset, document)
    return _Reader(path, dataset).contract(document)


@functools.cache
def _odcs_validator() -> Draft201909Validator:
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text()
    return Draft201909Validator(json.loads(text))


def _check_odcs_schema(path: Path, dataset: str, document: dict[str, Any]) -> None:
    errors = sorted(_odcs_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [
            f"  field {_json_path(document, list(e.absolute_path))}: {e.message}" for e in errors
        ]
        raise ContractError(
            f"{path}: dataset {dataset!r} breaks the ODCS schema:\n" + "\n".join(lines[:10])
        )


def _json_path(document: Any, parts: list[str | int]) -> str:
    """`schema[0].properties[3].logicalType` -> `schema.orders.email.logicalType` (readable)."""
    names: list[str] = []
    node = document
    for part in parts:
        node = node[part]
        if isinstance(part, int):
            label = node.get("name") if isinstance(node, dict) else None
            names.append(str(label) if label else f"[{part}]")
        else:
            names.append(str(part))
    return ".".join(names) or "(top level)"


class _Reader:
    """Reads one ODCS document into a Contract, failing with file/dataset/field context."""

    def __init__(self, path: Path, dataset: str) -> None:
        self.path = path
        self.dataset = dataset

    def fail(self, where: str, message: str) -> ContractError:
        return ContractError(f"{self.path}: dataset {self.dataset!r}, field {where}: {message}")

    def contract(self, document: dict[str, Any]) -> Contract:
        objects = document.get("schema") or []
        if len(objects) != 1:
            raise self.fail("schema", f"expected exactly one schema object, found {len(objects)}")
        table = objects[0]
        if table.get("name") != self.dataset:
            raise self.fail("schema.name", f"must equal the contract id {self.dataset!r}")
        custom = _custom(table)
        columns = tuple(self.column(prop) for prop in table.get("properties") or [])
        names = [column.name for column in columns]
        duplicated = {name for name in names if names.count(name) > 1}
        if duplicated:
            raise self.fail("schema.properties", f"duplicate columns {sorted(duplicated)}")
        self.check_paths(columns)

        key_props = sorted(
            (p for p in table.get("properties") or [] if p.get("primaryKey")),
            key=lambda p: p.get("primaryKeyPosition", 0),
        )
        keys = tuple(str(p["name"]) for p in key_props)
        if not keys:
            raise self.fail("schema.properties", "no property has primaryKey: true")

        event_time = custom.get("eventTimeColumn")
        if event_time not in names:
            raise self.fail("customProperties.eventTimeColumn", f"{event_time!r} is not a column")
        if _by_name(columns, str(event_time)).logical_type not in ("timestamp", "date"):
            raise self.fail(
                f"{event_time}.logicalType", "the event-time column must be a timestamp"
            )
        role = custom.get("datasetRole", "fact")
        if role not in ROLES:
            raise self.fail("customProperties.datasetRole", f"{role!r} is not one of {ROLES}")

        quality = [self.rule(rule, None, names) for rule in table.get("quality") or []]
        for prop in table.get("properties") or []:
            quality += [self.rule(rule, prop["name"], names) for rule in prop.get("quality") or []]
        columns = tuple(self.with_valid_values(column, quality) for column in columns)

        server = (document.get("servers") or [{}])[0]
        source_format = server.get("format")
        if source_format not in FORMATS:
            raise self.fail("servers[0].format", f"{source_format!r} is not one of {FORMATS}")
        sla = {p["property"]: p for p in document.get("slaProperties") or []}
        return Contract(
            dataset=self.dataset,
            path=self.path,
            version=str(document["version"]),
            role=role,
            source_format=source_format,
            source_glob=str(server.get("path", f"{self.dataset}*")),
            columns=columns,
            keys=keys,
            event_time=str(event_time),
            quality=tuple(quality),
            retention_days=self.duration(sla.get("retention"), "d"),
            freshness_hours=self.duration(sla.get("latency"), "h"),
            max_record_bytes=self.max_record_bytes(custom),
        )

    def check_paths(self, columns: tuple[Column, ...]) -> None:
        """Two columns' JSON paths must agree on what each step is: a key cannot hold a value
        for one column and an object or array for another."""
        kinds: dict[tuple[str | int, ...], str] = {}
        for column in columns:
            path = column.path
            for depth in range(1, len(path) + 1):
                kind = "value" if depth == len(path) else type(path[depth]).__name__
                # Any index of an array is the same place: the array's items.
                where = tuple("[]" if isinstance(s, int) else s for s in path[:depth])
                previous = kinds.setdefault(where, kind)
                if previous != kind:
                    raise self.fail(
                        f"{column.name}.customProperties.sourcePath",
                        f"{column.source_path or column.name!r} conflicts with another column's "
                        "path: a key holds either a value, an object or an array",
                    )

    def source_path(self, name: str, custom: dict[str, Any]) -> str | None:
        path = custom.get("sourcePath")
        if path is None:
            return None
        where = f"{name}.customProperties.sourcePath"
        if not isinstance(path, str):
            raise self.fail(where, f"{path!r} is not a path such as customer.address.city")
        try:
            path_steps(path)
        except ValueError as error:
            raise self.fail(where, str(error)) from None
        return path

    def max_record_bytes(self, custom: dict[str, Any]) -> int:
        value = custom.get("maxRecordBytes", DEFAULT_MAX_RECORD_BYTES)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(
                "customProperties.maxRecordBytes", f"{value!r} is not a positive integer"
            )
        return value

    def window(
        self, name: str, logical_type: str, custom: dict[str, Any]
    ) -> tuple[date | None, float | None]:
        """A date/timestamp column's plausible window; the defaults where the contract is silent."""
        where = f"{name}.customProperties"
        if logical_type not in ("date", "timestamp"):
            for option in ("notBefore", "maxFutureDays"):
                if option in custom:
                    raise self.fail(f"{where}.{option}", "only date and timestamp columns have it")
            return None, None
        not_before = custom.get("notBefore", DEFAULT_NOT_BEFORE)
        if isinstance(not_before, datetime):
            not_before = not_before.date()
        if isinstance(not_before, str):  # YAML reads an unquoted date as a date already
            try:
                not_before = date.fromisoformat(not_before)
            except ValueError as error:
                raise self.fail(f"{where}.notBefore", f"not an ISO date: {error}") from error
        if not isinstance(not_before, date):
            raise self.fail(f"{where}.notBefore", f"{not_before!r} is not an ISO date")
        future = custom.get("maxFutureDays", DEFAULT_MAX_FUTURE_DAYS)
        if isinstance(future, bool) or not isinstance(future, int | float) or not future >= 0:
            raise self.fail(f"{where}.maxFutureDays", f"{future!r} is not a number of days >= 0")
        if future > 365_000:  # keeps `now + max_future_days` a representable timestamp
            raise self.fail(f"{where}.maxFutureDays", f"{future!r} is more than 1000 years")
        return not_before, float(future)

    def column(self, prop: dict[str, Any]) -> Column:
        name = str(prop["name"])
        logical_type = prop.get("logicalType")
        if logical_type not in LOGICAL_TYPES:
            raise self.fail(
                f"{name}.logicalType", f"{logical_type!r} is not one of {LOGICAL_TYPES}"
            )
        options = prop.get("logicalTypeOptions") or {}
        pattern = options.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise self.fail(f"{name}.logicalTypeOptions.pattern", str(error)) from error
        custom = _custom(prop)
        masking = custom.get("masking", "none")
        if masking not in MASKINGS:
            raise self.fail(f"{name}.customProperties.masking", f"{masking!r} not in {MASKINGS}")
        pii_class = custom.get("piiClass")
        if pii_class is not None and pii_class not in PII_CLASSES:
            raise self.fail(
                f"{name}.customProperties.piiClass", f"{pii_class!r} not in {PII_CLASSES}"
            )
        if pii_class in ("direct_identifier", "free_text") and masking == "none":
            raise self.fail(
                f"{name}.customProperties.masking",
                f"a {pii_class} column needs a masking strategy other than 'none'",
            )
        if masking == "generalise_year" and logical_type not in ("date", "timestamp"):
            raise self.fail(f"{name}.customProperties.masking", "generalise_year needs a date")
        case = custom.get("case")
        if case not in (None, "lower", "upper"):
            raise self.fail(f"{name}.customProperties.case", f"{case!r} is not lower or upper")
        not_before, max_future_days = self.window(name, logical_type, custom)
        return Column(
            name=name,
            logical_type=logical_type,
            required=bool(prop.get("required", False)),
            primary_key=bool(prop.get("primaryKey", False)),
            pattern=pattern,
            format=options.get("format"),
            minimum=options.get("minimum"),
            maximum=options.get("maximum"),
            case=case,
            pii_class=pii_class,
            masking=masking,
            classification=prop.get("classification"),
            references=self.relationship(name, prop.get("relationships") or []),
            not_before=not_before,
            max_future_days=max_future_days,
            source_path=self.source_path(name, custom),
            description=str(prop["description"]) if prop.get("description") else None,
        )

    def relationship(self, name: str, relationships: list[dict[str, Any]]) -> Relationship | None:
        if not relationships:
            return None
        if len(relationships) > 1:
            raise self.fail(f"{name}.relationships", "at most one foreign key per column")
        target = str(relationships[0]["to"])
        dataset, _, column = target.rpartition(".")
        enrich = _custom(relationships[0]).get("enrichColumns") or []
        return Relationship(dataset=dataset, column=column, enrich_columns=tuple(enrich))

    def rule(self, rule: dict[str, Any], column: str | None, names: list[str]) -> QualityRule:
        label = str(rule.get("name") or rule.get("metric"))
        where = f"{column or 'schema'}.quality.{label}"
        operators = [op for op in OPERATORS if op in rule]
        if len(operators) != 1:
            raise self.fail(where, f"needs exactly one of {OPERATORS}")
        given = rule.get("severity", "error")
        if given not in (*SEVERITIES, "warning"):
            raise self.fail(f"{where}.severity", f"{given!r} is not one of {SEVERITIES}")
        severity: Literal["error", "warn"] = "error" if given == "error" else "warn"
        arguments = dict(rule.get("arguments") or {})
        for key_column in arguments.get("properties", []):
            if key_column not in names:
                raise self.fail(f"{where}.arguments.properties", f"{key_column!r} is not a column")
        metric = rule.get("metric")
        if metric == "invalidValues" and not arguments.get("validValues"):
            raise self.fail(f"{where}.arguments", "invalidValues needs validValues")
        return QualityRule(
            name=label,
            metric=str(metric),
            operator=operators[0],
            threshold=float(rule[operators[0]]),
            severity=severity,
            column=column,
            unit=str(rule.get("unit", "rows")),
            arguments=arguments,
        )

    def duration(self, sla: dict[str, Any] | None, unit: str) -> Any:
        if sla is None:
            return None
        if sla.get("unit", unit) != unit:
            raise self.fail(f"slaProperties.{sla['property']}.unit", f"expected {unit!r}")
        return sla["value"]

    @staticmethod
    def with_valid_values(column: Column, rules: list[QualityRule]) -> Column:
        """A column's allowed values come from its invalidValues rule (ODCS keeps them there)."""
        for rule in rules:
            if rule.column == column.name and rule.metric == "invalidValues":
                values = tuple(str(v) for v in rule.arguments["validValues"])
                return Column(**{**column.__dict__, "valid_values": values})
        return column


def _custom(node: dict[str, Any]) -> dict[str, Any]:
    return {p["property"]: p["value"] for p in node.get("customProperties") or []}


def _by_name(columns: tuple[Column, ...], name: str) -> Column:
    return next(column for column in columns if column.name == name)


def _check_relationships(contracts: dict[str, Contract]) -> None:
    for contract in contracts.values():
        for column in contract.columns:
            ref = column.references
            if ref is None:
                continue
            target = contracts.get(ref.dataset)
            where = f"{contract.path}: dataset {contract.dataset!r}, field {column.name}"
            if target is None:
                raise ContractError(f"{where}: relationship to unknown dataset {ref.dataset!r}")
            if target.role != "reference":
                raise ContractError(f"{where}: {ref.dataset!r} must have datasetRole reference")
            missing = set(ref.enrich_columns) - set(target.column_names) | (
                {ref.column} - set(target.column_names)
            )
            if missing:
                raise ContractError(f"{where}: {ref.dataset!r} has no column(s) {sorted(missing)}")
