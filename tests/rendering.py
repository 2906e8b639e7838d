"""Render the template in process (copier's API) and read what it produced."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import yaml
from copier import run_copy

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((TEMPLATE_ROOT / "presets").glob("*.yml"))


def load_preset(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def render(
    dst: Path,
    data: dict[str, Any] | None = None,
    src: Path = TEMPLATE_ROOT,
    vcs_ref: str | None = "HEAD",
) -> Path:
    """Render with `--defaults --data ...` semantics: given answers are validated."""
    with warnings.catch_warnings():
        # Rendering the working tree of a dirty checkout is what we want in tests.
        warnings.simplefilter("ignore")
        run_copy(
            str(src),
            str(dst),
            data=data or {},
            defaults=True,
            unsafe=True,
            vcs_ref=vcs_ref,
            quiet=True,
        )
    return dst


def project_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
