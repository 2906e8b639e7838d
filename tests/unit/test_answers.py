import pytest

from pipeline_design import Answers
from pipeline_design.names import slugify


def test_defaults_describe_a_laptop_pipeline() -> None:
    a = Answers()
    assert a.sources == ("files",)
    assert a.files_location == "local"
    assert a.processing_mode == "batch"
    assert a.warehouse == "duckdb"
    assert "pii_masking" in a.compliance
    assert a.quality_checks


def test_from_mapping_coerces_types_and_fills_defaults() -> None:
    a = Answers.from_mapping(
        {"sources": ["files", "kafka"], "events_per_second": "2500", "growth_factor": 3}
    )
    assert a.sources == ("files", "kafka")
    assert a.events_per_second == 2500
    assert a.growth_factor == 3.0
    assert a.warehouse == "duckdb"


def test_from_mapping_reads_a_multiselect_given_as_yaml_text() -> None:
    assert Answers.from_mapping({"sources": "[postgres, kafka]"}).sources == ("postgres", "kafka")


def test_from_mapping_reads_only_the_requested_keys() -> None:
    a = Answers.from_mapping({"warehouse": "postgres", "sources": ["kafka"]}, keys=("sources",))
    assert a.sources == ("kafka",)
    assert a.warehouse == "duckdb"


@pytest.mark.parametrize(
    ("key", "value"), [("events_per_second", 2.5), ("team_size", "many"), ("sources", 7)]
)
def test_from_mapping_names_the_key_it_cannot_read(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        Answers.from_mapping({key: value})


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("My Pipeline", "my-pipeline"),
        ("Clickstream  Analytics (v2)!", "clickstream-analytics-v2"),
        ("Café Données", "cafe-donnees"),
        ("2024 Reports", "p-2024-reports"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug
