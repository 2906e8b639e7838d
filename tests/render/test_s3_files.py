"""Files on S3 (`files_location: s3`) in the rendered project: the S3 source, its settings,
its dependencies and its tests are there, and nothing calls it a stand-in any more; a project
whose files are local has none of it. The generated tests (tests/test_s3_files.py, against
moto's S3 server) run in the e2e tier's seed project (flink-seed), whose files are on S3.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rendering import render

STAND_IN = "reads a local input folder (PIPELINE_INPUT_DIR) for now"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        location: render(
            tmp_path_factory.mktemp(location),
            data={"sources": ["files"], "files_location": location},
        )
        for location in ("s3", "local")
    }


def _text(project: Path) -> str:
    return "\n".join(
        path.read_text("utf-8")
        for path in sorted(project.rglob("*"))
        if path.is_file() and path.suffix in (".md", ".py", ".example", ".toml", ".yml", ".yaml")
    )


def test_an_s3_project_reads_its_files_from_s3(rendered: dict[str, Path]) -> None:
    project = rendered["s3"]
    package = next((project / "src").iterdir())
    assert (package / "sources" / "s3.py").is_file()
    assert (project / "tests" / "test_s3_files.py").is_file()
    assert "land_objects(self.settings, self.contracts)" in (package / "pipeline.py").read_text()
    config = (package / "config.py").read_text()
    assert "files_s3_url: str | None = None" in config
    assert "files_s3_endpoint_url: str | None = None" in config
    env = (project / ".env.example").read_text()
    assert "PIPELINE_FILES_S3_URL=" in env and "PIPELINE_FILES_S3_ENDPOINT_URL=" in env
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert any(d.startswith("boto3>=") for d in pyproject["project"]["dependencies"])
    assert any(d.startswith("moto[server]") for d in pyproject["dependency-groups"]["dev"])
    text = _text(project)
    assert STAND_IN not in text
    assert "Not generated yet" not in (project / "README.md").read_text()
    assert "PIPELINE_FILES_S3_URL" in (project / "README.md").read_text()


def test_a_local_files_project_has_no_s3_code(rendered: dict[str, Path]) -> None:
    project = rendered["local"]
    package = next((project / "src").iterdir())
    assert not (package / "sources" / "s3.py").exists()
    assert not (project / "tests" / "test_s3_files.py").exists()
    assert "boto3" not in (project / "pyproject.toml").read_text()
    for path in (".env.example", "README.md", f"src/{package.name}/config.py"):
        assert "FILES_S3" not in (project / path).read_text(), path
