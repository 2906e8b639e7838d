"""One SparkSession per process, started on first use.

Local runs and the tests get a small single-node session (`local[2]` unless
PIPELINE_SPARK_MASTER says otherwise; the PIPELINE_SPARK_* settings, from the environment or
.env, size it). Under spark-submit, or wherever a master is already
configured (deploy/spark/spark-defaults.conf), that configuration is kept as it is: only the
settings the engine's results depend on (UTC, how Parquet stores timestamps and old dates)
are set on every session, since without them the same input would give other rows.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

from ...config import Settings


@dataclass(frozen=True)
class LocalSpark:
    """How a local session starts: Settings.spark_* (PIPELINE_SPARK_*). A master that is
    already configured (spark-submit) ignores it."""

    master: str = "local[2]"
    driver_memory: str = "1g"
    # Small local batches: the default 200 shuffle partitions are 200 tiny tasks each.
    shuffle_partitions: int = 4
    # e.g. `-XX:TieredStopAtLevel=1` for short runs (the tests): the quick JIT alone halves
    # the start-up (14 -> 8 s) and the first query (7 -> 4 s) here, and costs throughput on
    # long ones.
    driver_java_options: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalSpark:
        return cls(
            master=settings.spark_master,
            driver_memory=settings.spark_driver_memory,
            shuffle_partitions=settings.spark_shuffle_partitions,
            driver_java_options=settings.spark_driver_java_options,
        )


# Set on every session, a configured one included: the engine's rows depend on them.
ENGINE_CONF = {
    # Dates and days of timestamps are taken in UTC, as the Polars engine takes them.
    "spark.sql.session.timeZone": "UTC",
    # TIMESTAMP_MICROS, not INT96 (the default): the type Polars writes, which pyarrow,
    # Polars and DuckDB read as a UTC timestamp with microseconds.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # Dates before 1582 as they are (proleptic Gregorian, as Python and Polars have them),
    # not shifted to the Julian calendar of Spark 2.
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

_lock = threading.Lock()
_session: SparkSession | None = None
_built_here = False


def spark_session(local: LocalSpark | None = None) -> SparkSession:
    """The process's session: the one already running, or a new one (`local`, else the
    settings of the environment and .env, when no master is configured)."""
    global _session, _built_here
    with _lock:
        if _session is not None and _is_alive(_session):
            return _session
        if _configured_master() is not None:
            session, _built_here = SparkSession.builder.getOrCreate(), False
        else:
            local = local or LocalSpark.from_settings(Settings())
            session, _built_here = _local_builder(local).getOrCreate(), True
        for name, value in ENGINE_CONF.items():
            session.conf.set(name, value)
        _no_checksum_files(session)
        _session = session
        return session


def stop_session() -> None:
    """Stop the session if this module started it (a configured one belongs to its owner)."""
    global _session, _built_here
    with _lock:
        if _session is not None and _built_here:
            _session.stop()
        _session, _built_here = None, False


def _configured_master() -> str | None:
    """The master of a running Spark context, or of the JVM spark-submit started for this
    driver (it holds spark-defaults.conf and the command line); None for a plain Python run."""
    active = SparkContext._active_spark_context
    if active is not None:
        return str(active.master)
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # no JVM yet: nothing was configured
        return None
    SparkContext._ensure_initialized()
    return SparkConf().get("spark.master", None)


def _local_builder(local: LocalSpark) -> SparkSession.Builder:
    # The Python workers run this interpreter (its environment has pyarrow and the project),
    # not whichever `python3` comes first on PATH: PySpark reads the variable when the
    # context starts (a cron job or an orchestrator may call .venv/bin/python directly).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName("pipeline")
        .master(local.master)
        .config("spark.sql.shuffle.partitions", str(local.shuffle_partitions))
        .config("spark.driver.memory", local.driver_memory)
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
    )
    if local.master.startswith("local"):
        # No web UI (a port per session, ~1 s of start-up) and no host name lookup.
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    if local.driver_java_options:
        builder = builder.config("spark.driver.extraJavaOptions", local.driver_java_options)
    return builder


def _is_alive(session: SparkSession) -> bool:
    return SparkContext._active_spark_context is session.sparkContext


def _no_checksum_files(session: SparkSession) -> None:
    """Hadoop's local file system writes a `.crc` file beside every file: none in the lake."""
    jvm = session.sparkContext._jvm
    assert jvm is not None
    hadoop = session.sparkContext._jsc.hadoopConfiguration()
    jvm.org.apache.hadoop.fs.FileSystem.getLocal(hadoop).setWriteChecksum(False)
