"""Rule P6: one list of Spark properties for spark-defaults.conf and the SparkApplication."""

import pytest

from pipeline_design import Answers, build_design
from pipeline_design import spark_deploy as sd
from pipeline_design.sizing import batch_run, spark_sizing


def deployment(**changes: object) -> sd.SparkDeployment:
    a = Answers.from_mapping({"batch_engine": "spark", **changes})
    run = batch_run(a)
    return sd.spark_deployment(a, run, spark_sizing(a, run))


def test_every_property_once_and_every_field_once() -> None:
    d = deployment(lake_format="delta")
    keys = [p.key for p in d.properties]
    fields = [p.field for p in d.properties if p.field]
    assert len(keys) == len(set(keys))
    assert len(fields) == len(set(fields))
    assert set(d.spark_conf) == {p for p in d.properties if p.field is None}


def test_the_properties_carry_the_sizing() -> None:
    a = Answers.from_mapping({"batch_engine": "spark", "batch_gb_per_day": 500})
    run = batch_run(a)
    spark = spark_sizing(a, run)
    d = sd.spark_deployment(a, run, spark)
    assert d.field("executor.cores") == str(spark.cores_per_executor)
    assert d.field("executor.memory") == f"{spark.executor_memory_gb}g"
    assert d.field("executor.memoryOverhead") == f"{spark.executor_memory_overhead_gb}g"
    assert d.field("driver.memoryOverhead") == f"{spark.driver_memory_overhead_gb}g"
    assert d.field("dynamicAllocation.maxExecutors") == str(spark.max_executors)
    assert d.value("spark.sql.shuffle.partitions") == str(spark.shuffle_partitions)
    assert d.value("spark.sql.files.maxPartitionBytes") == f"{spark.split_mb}m"
    assert d.value("spark.sql.adaptive.enabled") == "true"
    with pytest.raises(KeyError):
        d.value("spark.no.such.property")


def test_delta_adds_its_package_extension_and_catalog_only_for_delta() -> None:
    parquet = deployment(lake_format="parquet")
    assert parquet.delta_package is None
    assert not [
        p for p in parquet.properties if "delta" in p.value or p.key == "spark.jars.packages"
    ]
    delta = deployment(lake_format="delta")
    assert delta.field("deps.packages") == delta.value("spark.jars.packages") == delta.delta_package
    assert delta.value("spark.sql.extensions") == "io.delta.sql.DeltaSparkSessionExtension"
    assert (
        delta.value("spark.sql.catalog.spark_catalog")
        == "org.apache.spark.sql.delta.catalog.DeltaCatalog"
    )


def test_a_delta_lake_runs_a_spark_line_delta_is_built_for() -> None:
    d = deployment(lake_format="delta")
    assert d.minor in sd.DELTA_SPARK_LINES
    assert d.delta_supported
    assert d.delta_package == f"io.delta:delta-spark_{d.minor}_2.13:{sd.DELTA_VERSION}"
    assert d.base_image == f"apache/spark:{d.version}-python3"
    assert deployment(lake_format="parquet").version == sd.SPARK_VERSION


def test_an_older_spark_for_delta_is_a_design_warning() -> None:
    design = build_design(Answers.from_mapping({"batch_engine": "spark", "lake_format": "delta"}))
    warned = [w for w in design.warnings if "this project runs Spark" in w]
    assert design.spark_deploy is not None
    assert bool(warned) == (design.spark_deploy.version != sd.SPARK_VERSION)
    parquet = build_design(Answers.from_mapping({"batch_engine": "spark"}))
    assert not [w for w in parquet.warnings if "Delta" in w]


def test_polars_projects_have_no_spark_deployment() -> None:
    assert build_design(Answers()).spark_deploy is None


@pytest.mark.parametrize(
    ("sla", "budget", "retries"), [(6, 3, 1), (6, 1, 1), (1, 0.5, 1), (2, 1.5, 0), (1, 0, 0)]
)
def test_one_rerun_when_the_sla_holds_it(sla: float, budget: float, retries: int) -> None:
    assert sd.retries_within_sla(sla, budget) == retries


def test_rule_b_always_leaves_room_for_one_rerun() -> None:
    for schedule in ("0 2 * * *", "0 * * * *", "*/15 * * * *"):
        for sla in (0.5, 2, 24):
            d = deployment(schedule=schedule, batch_sla_hours=sla)
            assert d.retries == 1, (schedule, sla)
