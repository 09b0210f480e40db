"""The ``graphnews`` command line: thin glue over the library, one module per command group.

Every `graphnews.errors.GraphnewsError` becomes ``Error: <message>`` on stderr with exit code 1
(2 for a bad value the user gave); never a traceback for a user's mistake.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import typer
from typer.core import TyperGroup

from graphnews.errors import BadInputError, GraphnewsError

__all__ = ["app", "main"]


class _Group(TyperGroup):
    """Turns library errors into a one-line message and an exit code."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: typer.Context | None = None,
        **extra: Any,  # click's own signature: passed on untouched
    ) -> Any:
        # Ctrl-C while the command line is parsed: typer would exit 130 without a word.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(code=130) from None

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraphnewsError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(code=2 if isinstance(exc, BadInputError) else 1) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(code=130) from None
        except sqlite3.OperationalError as exc:
            # Ctrl-C during a long SQL statement ends it as "interrupted" (the progress handler
            # that let Python see the signal cannot pass the KeyboardInterrupt on).
            if str(exc) == "interrupted":
                typer.echo("Interrupted.", err=True)
                raise typer.Exit(code=130) from None
            if "locked" in str(exc) or "busy" in str(exc):
                typer.echo(f"Error: the database is busy with another process ({exc}); try "
                           "again when it has finished", err=True)
                raise typer.Exit(code=1) from None
            raise


app = typer.Typer(
    cls=_Group,
    name="graphnews",
    help="A graph database of news coverage: ingest news documents, then ask which outlets "
    "cover which stories, how stories spread and which outlets sit at the centre.\n\n"
    "Start with:  graphnews run seeds/",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

# Each module registers its commands on `app` when imported.
from graphnews.cli import attention as _attention  # noqa: E402, F401
from graphnews.cli import collections as _collections  # noqa: E402, F401
from graphnews.cli import compare as _compare  # noqa: E402, F401
from graphnews.cli import copy as _copy  # noqa: E402, F401
from graphnews.cli import export as _export  # noqa: E402, F401
from graphnews.cli import ingest as _ingest  # noqa: E402, F401
from graphnews.cli import outlets as _outlets  # noqa: E402, F401
from graphnews.cli import query as _query  # noqa: E402, F401
from graphnews.cli import render as _render  # noqa: E402, F401
from graphnews.cli import run as _run  # noqa: E402, F401
from graphnews.cli import stories as _stories  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    app()
