"""Progress bars for long loads, validations, exports and pushes: on a terminal, never in CI.

A bar on a terminal tells an operator that a minute-long load at a million triples is
working; in CI logs and pipes the redrawn lines are only noise, so they are left out there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TypeVar

from tqdm import tqdm

Item = TypeVar("Item")


def progress_wanted() -> bool:
    """Someone watches stderr on a terminal and this is not a CI run."""
    return not os.environ.get("CI") and sys.stderr.isatty()


def show_progress(items: Iterable[Item], description: str, unit: str) -> Iterable[Item]:
    """``items`` unchanged, counted on a bar on stderr when ``progress_wanted``."""
    if not progress_wanted():
        return items
    return tqdm(items, desc=description, unit=unit, file=sys.stderr)
