"""The ``ftzkg`` command: validate, serve, query, export and the operator's tools.

Each command parses its options into ``Settings`` and calls one module; errors the user can
fix are printed on one line with a non-zero exit, never as a traceback.
"""

from __future__ import annotations

import sys

import click

from ftzkg import __version__
from ftzkg.config import ConfigurationError
from ftzkg.errors import FtzkgError


class FtzkgGroup(click.Group):
    """Turns the errors a user can fix into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (FtzkgError, ConfigurationError) as error:
            click.echo(f"ftzkg: {error}", err=True)
            sys.exit(2)


@click.group(cls=FtzkgGroup)
@click.version_option(__version__, prog_name="ftzkg")
def main() -> None:
    """A knowledge graph of the China (Heilongjiang) Pilot Free Trade Zone report."""
