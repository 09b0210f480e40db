"""``graphnews outlets import FILE``, ``graphnews collections ...`` and ``graphnews languages``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from graphnews.cli import app
from graphnews.cli.common import DbOption, FormatOption, open_database
from graphnews.cli.outlets import outlets_app
from graphnews.cli.output import Format, emit_object, emit_rows

__all__ = ["collections_app"]

collections_app = typer.Typer(
    name="collections", no_args_is_help=True, rich_markup_mode=None, add_completion=False,
    help="Named sets of outlets to restrict reports to (--collection NAME) and to compare. "
    "Without saving one, any report also takes --collection ATTRIBUTE=VALUE directly.\n\n"
    "Example: graphnews collections add left --where lean=left,left-center")
app.add_typer(collections_app)


@outlets_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A .csv (header row with a 'domain' column) or "
                                         ".yaml file of outlet attributes.",
                                         show_default=False)],
    replace: Annotated[bool, typer.Option("--replace", help="Forget every attribute stored "
                                          "before (default: keep what the file does not "
                                          "mention).")] = False,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Store outlet metadata by domain: any columns (country, language, media_type, lean,
    owner, ...).

    Re-importing is incremental: only changed values are written, as a new metadata version.
    An empty cell clears that attribute. Domains the database does not know yet are kept and
    listed; rows without a domain are listed with their line. Exit code 1 when a row was
    skipped.

    Example: graphnews outlets import outlets.csv
    """
    from graphnews.collections import import_outlets

    report = import_outlets(open_database(db, create=True), file, replace=replace)
    if fmt is Format.table:
        summary = report.as_dict()
        for key in ("unknown", "skipped", "duplicates"):
            summary[key] = len(summary[key])
        emit_object(summary, fmt, title=f"outlets import {file}")
        for key, title in (("unknown", "not in the database yet (kept)"),
                           ("skipped", "skipped"), ("duplicates", "repeated domains")):
            for line in getattr(report, key):
                typer.echo(f"{title}: {line}", err=True)
    else:
        emit_object(report.as_dict(), fmt)
    if report.skipped:
        raise typer.Exit(code=1)


@collections_app.command("list")
def list_command(db: DbOption = None, fmt: FormatOption = Format.table) -> None:
    """Saved collections, their rule or outlets, and how many outlets of the database match."""
    from graphnews.collections import list_collections

    emit_rows(list_collections(open_database(db, readonly=True)), fmt,
              columns=("name", "rule", "domains", "outlets"), title="collections")


@collections_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="The collection's name.", show_default=False)],
    domains: Annotated[list[str] | None, typer.Argument(
        help="Outlet domains, for a hand-made list.", show_default=False)] = None,
    where: Annotated[str | None, typer.Option(
        "--where", help="A rule over outlet metadata instead: ATTRIBUTE=VALUE[,VALUE].",
        show_default=False)] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Save a collection by rule or by hand (replaces one of the same name).

    Examples: graphnews collections add left --where lean=left,left-center
              graphnews collections add wires reuters.com apnews.com afp.com
    """
    from graphnews.collections import save_collection

    database = open_database(db, create=True)
    collection = save_collection(database, name, rule=where, domains=domains or ())
    members = collection.members(database)
    emit_object(collection.as_dict() | {"outlets": len(members)}, fmt,
                title=f"collection {name}")


@collections_app.command("remove")
def remove_command(
    name: Annotated[str, typer.Argument(help="The collection's name.", show_default=False)],
    db: DbOption = None,
) -> None:
    """Forget a saved collection (the outlets and their metadata stay)."""
    from graphnews.collections import delete_collection

    delete_collection(open_database(db), name)


@collections_app.command("show")
def show_command(
    collection: Annotated[str, typer.Argument(
        help="ATTRIBUTE=VALUE[,VALUE] or a saved collection's name.", show_default=False)],
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The outlets of a collection in the database, with their metadata and article counts."""
    from graphnews.collections import outlet_metadata, resolve_collection

    database = open_database(db, readonly=True)
    members = resolve_collection(database, collection).members(database)
    metadata = outlet_metadata(database, members)
    counts = dict(database.conn.execute(
        "SELECT o.domain, count(a.id) FROM outlets o LEFT JOIN articles a ON a.outlet_id = o.id "
        "WHERE o.domain IN (SELECT value FROM json_each(?)) GROUP BY o.domain",
        (json.dumps(sorted(members)),)))
    keys = sorted({k for attrs in metadata.values() for k in attrs})
    rows = [{"outlet": d, "articles": counts.get(d, 0)} | {k: metadata.get(d, {}).get(k)
                                                          for k in keys}
            for d in sorted(members, key=lambda d: (-counts.get(d, 0), d))]
    emit_rows(rows, fmt, columns=("outlet", "articles", *keys),
              title=f"{collection}: {len(rows)} outlets")


@app.command("languages")
def languages_command(db: DbOption = None, fmt: FormatOption = Format.table) -> None:
    """Detect each article's language from its title and excerpt (new or changed articles
    only, so re-running after an ingest is cheap) and show how many articles each language has.

    Then reports filter with --language and compare / attention group with --by language.

    Example: graphnews languages && graphnews attention --by language
    """
    from graphnews.language import detect_languages

    report = detect_languages(open_database(db))
    emit_rows([{"language": k, "articles": v} for k, v in report.languages.items()], fmt,
              title=f"languages ({report.detected} detected now, {report.unchanged} kept)")
