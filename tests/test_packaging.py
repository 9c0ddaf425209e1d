"""The wheel carries the data: an installed copy outside the repository validates and serves."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from ftzkg.dataset import dataset_sources

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(target), "."],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    )
    (built,) = target.glob("ftzkg-*.whl")
    return built


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv holding only the wheel; its dependencies come from the test venv via .pth."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_wheel_ships_every_data_file_of_the_dataset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for source in dataset_sources(REPOSITORY):
        relative = source.path.relative_to(REPOSITORY).as_posix()
        assert f"ftzkg-0.1.0.data/data/share/ftzkg/{relative}" in names
    assert any(name.endswith(".rq") for name in names)
    assert any(name.startswith("ftzkg/web/") for name in names)


def test_installed_wheel_validates_outside_the_repository(installed_venv, tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "FTZKG_DATA_DIR"}
    result = subprocess.run(
        [str(installed_venv / "bin" / "ftzkg"), "validate"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "graph/report/" in result.stdout
