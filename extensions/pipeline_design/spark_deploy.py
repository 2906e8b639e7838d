"""Rule P6: how a Spark batch run is deployed. One list of Spark properties, rendered twice.

`deploy/spark/spark-defaults.conf` (spark-submit) and `deploy/spark/spark-application.yaml`
(the Kubeflow Spark operator's SparkApplication) are both written from `spark_deployment()`,
so they cannot drift: the manifest carries a property in the field the operator has for it
(`executor.cores`, `dynamicAllocation.maxExecutors`, ...; the operator turns the field back
into the property when it calls spark-submit) and every other property in `sparkConf`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .answers import Answers
from .sizing import BatchRun, SparkSizing

# The Spark release the project runs on: the image's base and the SparkApplication's
# sparkVersion. pyspark in the generated pyproject.toml is of the same minor release (the
# render tests check it): the driver's Python API talks to the image's JVM.
SPARK_VERSION = "4.3.0"
SCALA_VERSION = "2.13"

# Delta Lake's Spark artifacts are built per Spark minor release (delta-spark_<spark>_<scala>
# since Delta 4.1). The newest, Delta 4.4.1, is built for Spark 4.0.1, 4.1.0 and 4.2.0, not
# 4.3: a project with a Delta lake runs the newest Spark release Delta is built for.
DELTA_VERSION = "4.4.1"
DELTA_SPARK_LINES = ("4.0", "4.1", "4.2")
DELTA_SPARK_VERSION = "4.2.0"


def spark_version(lake_format: str) -> str:
    """The Spark release of a project: the newest, or with a Delta lake the newest that
    Delta's jars are built for (they load into that Spark line only)."""
    if lake_format == "delta" and _minor(SPARK_VERSION) not in DELTA_SPARK_LINES:
        return DELTA_SPARK_VERSION
    return SPARK_VERSION


def base_image(version: str) -> str:
    """The official image with Python (apache/spark-docker's tag scheme: <version>-python3)."""
    return f"apache/spark:{version}-python3"


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


# Where spark-submit resolves `spark.jars.packages`: the image's user has no home directory
# (apache/spark runs as uid 185, home /nonexistent), so Ivy's default cache cannot be written.
IVY_DIR = "/tmp/.ivy2"


@dataclass(frozen=True)
class SparkProperty:
    key: str
    value: str
    # What the property is for: spark-defaults.conf and sparkConf print it above the group.
    group: str
    # The SparkApplication field (path under `spec`) the operator turns into this property,
    # or None: the manifest then carries it in `sparkConf`.
    field: str | None = None


@dataclass(frozen=True)
class SparkDeployment:
    version: str
    base_image: str
    properties: tuple[SparkProperty, ...]
    # Delta's Maven coordinates (lake_format delta), the Spark line that build is for, and
    # whether that is `version`'s.
    delta_package: str | None
    delta_spark_line: str | None
    delta_supported: bool
    # Times the operator re-runs a failed application (restartPolicy.onFailureRetries).
    retries: int

    def value(self, key: str) -> str:
        for prop in self.properties:
            if prop.key == key:
                return prop.value
        raise KeyError(key)

    def field(self, path: str) -> str:
        """The value of the property the SparkApplication carries in field `path`."""
        for prop in self.properties:
            if prop.field == path:
                return prop.value
        raise KeyError(path)

    @property
    def spark_conf(self) -> tuple[SparkProperty, ...]:
        """The properties the SparkApplication has no field for: its `sparkConf`."""
        return tuple(p for p in self.properties if p.field is None)

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


def spark_deployment(a: Answers, run: BatchRun, spark: SparkSizing) -> SparkDeployment:
    sizing = "Executors and driver (rule P2)"
    scaling = "Dynamic allocation (rules P3, P4): executors come and go with the work"
    sql = "SQL: splits (P1), shuffle partitions (P5), adaptive execution, UTC timestamps"
    delta = "Delta Lake tables (lake_format delta)"
    props = [
        SparkProperty(
            "spark.executor.cores", str(spark.cores_per_executor), sizing, "executor.cores"
        ),
        SparkProperty(
            "spark.executor.memory", f"{spark.executor_memory_gb}g", sizing, "executor.memory"
        ),
        SparkProperty(
            "spark.executor.memoryOverhead",
            f"{spark.executor_memory_overhead_gb}g",
            sizing,
            "executor.memoryOverhead",
        ),
        SparkProperty("spark.driver.cores", str(spark.driver_cores), sizing, "driver.cores"),
        SparkProperty("spark.driver.memory", f"{spark.driver_memory_gb}g", sizing, "driver.memory"),
        SparkProperty(
            "spark.driver.memoryOverhead",
            f"{spark.driver_memory_overhead_gb}g",
            sizing,
            "driver.memoryOverhead",
        ),
        SparkProperty(
            "spark.dynamicAllocation.enabled", "true", scaling, "dynamicAllocation.enabled"
        ),
        # No external shuffle service on Kubernetes: executors holding shuffle files stay.
        SparkProperty(
            "spark.dynamicAllocation.shuffleTracking.enabled",
            "true",
            scaling,
            "dynamicAllocation.shuffleTrackingEnabled",
        ),
        SparkProperty(
            "spark.dynamicAllocation.minExecutors",
            str(spark.min_executors),
            scaling,
            "dynamicAllocation.minExecutors",
        ),
        SparkProperty(
            "spark.dynamicAllocation.initialExecutors",
            str(spark.initial_executors),
            scaling,
            "dynamicAllocation.initialExecutors",
        ),
        SparkProperty(
            "spark.dynamicAllocation.maxExecutors",
            str(spark.max_executors),
            scaling,
            "dynamicAllocation.maxExecutors",
        ),
        SparkProperty("spark.sql.adaptive.enabled", "true", sql),
        SparkProperty("spark.sql.adaptive.coalescePartitions.enabled", "true", sql),
        SparkProperty("spark.sql.shuffle.partitions", str(spark.shuffle_partitions), sql),
        SparkProperty("spark.sql.files.maxPartitionBytes", f"{spark.split_mb}m", sql),
        SparkProperty("spark.sql.session.timeZone", "UTC", sql),
        SparkProperty("spark.serializer", "org.apache.spark.serializer.KryoSerializer", sql),
    ]
    package = line = None
    supported = True
    version = spark_version(a.lake_format)
    if a.lake_format == "delta":
        line = _delta_spark_line(version)
        supported = line == _minor(version)
        package = f"io.delta:delta-spark_{line}_{SCALA_VERSION}:{DELTA_VERSION}"
        props += [
            SparkProperty("spark.jars.packages", package, delta, "deps.packages"),
            SparkProperty("spark.jars.ivy", IVY_DIR, delta),
            SparkProperty("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension", delta),
            SparkProperty(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog",
                delta,
            ),
        ]
    return SparkDeployment(
        version=version,
        base_image=base_image(version),
        properties=tuple(props),
        delta_package=package,
        delta_spark_line=line,
        delta_supported=supported,
        retries=retries_within_sla(a.batch_sla_hours, run.time_budget_hours),
    )


def retries_within_sla(sla_hours: float, budget_hours: float) -> int:
    """Reruns of a failed run that fit in the SLA: rule B gives a run at most SLA_HEADROOM
    (half) of it, so one more run of the same budget always fits. Never more than one: a batch
    that fails twice is completed by the next scheduled run, after a person has looked."""
    return min(1, int(sla_hours // budget_hours) - 1) if budget_hours > 0 else 0


def _delta_spark_line(spark_version: str) -> str:
    """The Spark line of the Delta artifact for `spark_version`: its own when Delta has one,
    else the newest Delta is built for."""
    minor = ".".join(spark_version.split(".")[:2])
    return minor if minor in DELTA_SPARK_LINES else DELTA_SPARK_LINES[-1]
