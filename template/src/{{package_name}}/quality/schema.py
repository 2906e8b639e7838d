"""A pandera (Polars backend) schema per contract, for the clean (masked) shape of the data.

Masked columns are checked for their masked form, so the schema check also proves that
masking happened: a pseudonymised email must be a 64-character hex token, an IP a /24.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import polars as pl

from ..contracts import Column, Contract
from ..transforms.validate import polars_type

# Importing pandera where pyspark is installed sets these in the process's environment
# (SPARK_LOCAL_IP=127.0.0.1 would make a Spark driver started later in client mode tell its
# executors to call it back on 127.0.0.1), and imports pyspark.pandas, which warns that it
# does not support pandas 3 (nothing here uses it): both undone.
_SET_BY_PANDERA = {
    name: os.environ.get(name) for name in ("SPARK_LOCAL_IP", "PYARROW_IGNORE_TIMEZONE")
}
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
    import pandera.polars as pa
for _name, _value in _SET_BY_PANDERA.items():
    if _value is None:
        os.environ.pop(_name, None)
    else:
        os.environ[_name] = _value

MASKED_FORMS: dict[str, tuple[pl.DataType, str | None]] = {
    "pseudonymise": (pl.String(), r"^[0-9a-f]{64}$"),
    "generalise_ip": (pl.String(), r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.0/24$"),
    "redact": (pl.String(), None),
}


def _column(column: Column) -> pa.Column:
    dtype: pl.DataType = polars_type(column)
    pattern = column.pattern
    checks: list[pa.Check] = []
    if column.masking in MASKED_FORMS:
        dtype, pattern = MASKED_FORMS[column.masking]
    if pattern:
        checks.append(pa.Check.str_matches(pattern))
    if column.minimum is not None:
        checks.append(pa.Check.ge(column.minimum))
    if column.maximum is not None:
        checks.append(pa.Check.le(column.maximum))
    if column.valid_values:
        checks.append(pa.Check.isin(list(column.valid_values)))
    return pa.Column(dtype, nullable=not column.required, checks=checks)


def clean_schema(contract: Contract) -> pa.DataFrameSchema:
    columns: dict[str, Any] = {
        column.name: _column(column) for column in contract.columns if column.masking != "drop"
    }
    return pa.DataFrameSchema(
        columns, unique=list(contract.keys), strict=False, name=contract.dataset
    )


def schema_failures(frame: pl.DataFrame, contract: Contract) -> list[str]:
    """Names of the failed checks ("column: check"); values are never reported (PII)."""
    dropped = [c.name for c in contract.columns if c.masking == "drop" and c.name in frame.columns]
    failures = [f"{name}: dropped column still present" for name in dropped]
    try:
        clean_schema(contract).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        cases = error.failure_cases.select("column", "check").unique().sort("column", "check")
        failures += [f"{row['column']}: {row['check']}" for row in cases.iter_rows(named=True)]
    return failures
