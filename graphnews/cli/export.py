"""``graphnews export``: write a graph for Gephi, Cytoscape, igraph, pandas or Neo4j."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from graphnews.cli import app
from graphnews.cli.common import (
    CollectionOption,
    DbOption,
    FormatOption,
    LanguageOption,
    SilentOption,
    SinceOption,
    UntilOption,
    open_database,
    report_filters,
)
from graphnews.cli.output import Format, emit_rows

__all__ = ["export_command"]


class ExportFormat(enum.StrEnum):
    """The formats ``--to`` takes (`graphnews.export.FORMATS`)."""

    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    csv = "csv"
    neo4j = "neo4j"


ToOption = Annotated[
    ExportFormat, typer.Option("--to", "-t", help="graphml (Gephi, Cytoscape, igraph), gexf "
                               "(Gephi, with a timeline), json (node-link), csv "
                               "(nodes.csv + edges.csv) or neo4j (neo4j-admin import files).",
                               show_default=False)
]
GraphOption = Annotated[
    str, typer.Option("--graph", "-g", help="coverage (articles, outlets, topics), outlets "
                      "(co-coverage), follows, topics, or story:ID.")
]
ExportOutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="File, or folder to write into. Default: "
                              "output/<graph>.<ext>, or the folder output/<graph>-csv/ "
                              "(-neo4j/) for csv and neo4j.", show_default=False)
]


@app.command("export")
def export_command(
    to: ToOption,
    graph: GraphOption = "coverage",
    since: SinceOption = None,
    until: UntilOption = None,
    collection: CollectionOption = None,
    language: LanguageOption = None,
    out: ExportOutOption = None,
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    silent: SilentOption = False,
) -> None:
    """Write a graph as GraphML, GEXF, node-link JSON, CSV or Neo4j bulk-import CSV.

    The coverage graph streams straight from the database, so even a large one needs little
    memory. Lists are written as JSON text and missing values are left out; docs/exports.md
    explains each format and how to open it in Gephi, Cytoscape, igraph, pandas and Neo4j.

    Example: graphnews export --to gexf --since 2022-06-01 --out spread.gexf
    """
    from graphnews.export import export  # networkx, numpy: only here

    database = open_database(db, readonly=True)
    paths = export(database, to=to.value, graph=graph, out=out,
                   filters=report_filters(database, since=since, until=until,
                                          collections=collection, languages=language))
    emit_rows([{"file": str(p), "bytes": p.stat().st_size} for p in paths], fmt,
              title=f"graphnews export --to {to.value}")
    if to is ExportFormat.neo4j and not silent:
        typer.echo(f"import into Neo4j with: sh {paths[-1]} [database]", err=True)
