"""Progress bars: shown on a terminal, never in CI or in a pipe (the real CLI, under a pty)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

FTZKG = str(Path(sys.executable).with_name("ftzkg"))


def stderr_on_a_terminal(arguments: list[str], environment: dict[str, str]) -> str:
    """Run ``ftzkg`` with stderr on a pseudo-terminal; what it drew there."""
    controller, terminal = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, and tqdm draws nothing in no width.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        process = subprocess.run(
            [FTZKG, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=terminal,
            env=environment,
            timeout=300,
            check=False,
        )
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal side is closed and everything was read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert process.returncode == 0, drawn.decode(errors="replace")
    return drawn.decode(errors="replace")


@pytest.mark.parametrize("ci", ["", "true"])
def test_export_draws_a_bar_on_a_terminal_but_not_in_ci(tmp_path, data_dir, ci):
    environment = {
        key: value for key, value in os.environ.items() if key != "CI" and "FTZKG" not in key
    }
    environment.update(FTZKG_DATA_DIR=str(data_dir))
    if ci:
        environment["CI"] = ci
    drawn = stderr_on_a_terminal(
        ["export", "--format", "nquads", "-o", str(tmp_path / "all.nq")], environment
    )
    assert (tmp_path / "all.nq").stat().st_size > 0
    if ci:
        assert "export" not in drawn, drawn
    else:
        assert "export" in drawn and "quads" in drawn, drawn


def test_the_first_load_of_an_on_disk_store_draws_a_bar_by_file(tmp_path, data_dir):
    environment = {
        key: value for key, value in os.environ.items() if key != "CI" and "FTZKG" not in key
    }
    environment.update(FTZKG_DATA_DIR=str(data_dir))
    store = tmp_path / "store"
    arguments = ["export", "--store", str(store), "--format", "nquads", "-o", str(tmp_path / "a")]
    drawn = stderr_on_a_terminal(arguments, environment)
    assert "load" in drawn and " files" in drawn, drawn
    assert "load" not in stderr_on_a_terminal(arguments, environment)  # loaded: opened as is
