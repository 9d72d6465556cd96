"""Shared fixtures. Browser fixtures live in the browser test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
CONTENT = ROOT / "content"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small valid fixture handbook."""
    target = tmp_path / "content"
    shutil.copytree(MINI, target)
    return target
