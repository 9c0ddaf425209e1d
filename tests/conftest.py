"""Shared fixtures: settings for tests, and finding the tools a test drives for real."""

from __future__ import annotations

import os
import shutil

import pytest
from ftzkg.config import Settings, find_data_dir

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def data_dir():
    return find_data_dir()


@pytest.fixture(scope="session")
def settings(data_dir) -> Settings:
    """Settings as `make run` would use them, minus the environment of the developer."""
    return Settings.from_env({}, data_dir=data_dir, workers=2, query_timeout=5.0)


def require_tool(executable: str, install_hint: str) -> str:
    """The path of a tool a test drives; missing: a failure in CI, a skip elsewhere."""
    path = shutil.which(executable) or (executable if os.path.exists(executable) else None)
    if path is None:
        message = f"{executable} is not installed: {install_hint}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path
