"""Node-link JSON, CSV and Neo4j bulk-import CSV: the line-per-element formats."""

from __future__ import annotations

import csv
import functools
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from graphnews._files import atomic
from graphnews.errors import BadInputError
from graphnews.export._rows import (
    Attrs,
    Column,
    Schema,
    Source,
    Target,
    as_text,
    clean_text,
    jsonable,
    make_folder,
    schema_of,
    spreadsheet_safe,
    text_output,
)

__all__ = [
    "neo4j_import_command",
    "write_csv_rows",
    "write_json_rows",
    "write_neo4j_rows",
]


def write_json_rows(source: Source, path: Target) -> None:
    """Node-link JSON of a source, one element a line, keys in a stable order."""
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    with text_output(path) as fh:
        fh.write(f'{{"directed": {dumps(source.directed)}, "multigraph": '
                 f'{dumps(source.multigraph)}, "graph": {dumps(jsonable(source.graph))}, '
                 '"nodes": [')
        sep = "\n"
        for node, attrs in source.nodes():
            fh.write(sep + dumps({"id": jsonable(node), **_sorted_json(attrs)}))
            sep = ",\n"
        fh.write('\n], "edges": [')
        sep = "\n"
        for u, v, attrs in source.edges():
            ends = {"source": jsonable(u), "target": jsonable(v)}
            if source.multigraph:
                ends["key"] = jsonable(attrs.get("key"))
            fh.write(sep + dumps({**ends, **_sorted_json(attrs, skip="key")}))
            sep = ",\n"
        fh.write("\n]}\n")


def _sorted_json(attrs: Attrs, *, skip: str = "") -> Attrs:
    return {clean_text(k): jsonable(attrs[k]) for k in sorted(attrs, key=str) if k != skip}


def write_csv_rows(source: Source, folder: Path) -> list[Path]:
    """``nodes.csv`` and ``edges.csv`` of a source; return their paths."""
    folder = make_folder(folder)
    tables = [
        ("nodes.csv", ["id"], schema_of(a for _, a in source.nodes()),
         ((n, a) for n, a in source.nodes())),
        ("edges.csv", ["source", "target"],
         schema_of(a for *_, a in source.edge_schema_rows()),
         ((u, v, a) for u, v, a in source.edges())),
    ]
    written = []
    for name, ends, columns, rows in tables:
        with atomic(folder / name, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(ends + [c.name for c in columns])
            for row in rows:
                *ids, attrs = row
                writer.writerow([*ids, *(as_text(spreadsheet_safe(attrs[c.name]))
                                         if c.name in attrs else "" for c in columns)])
        written.append(folder / name)
    return written


def write_neo4j_rows(source: Source, folder: Path, default_type: str) -> list[Path]:
    """neo4j-admin CSVs of a source (one per label, one per relationship type) and the script."""
    folder = make_folder(folder)
    labels = _Labels()
    node_schemas: dict[str, Schema] = {}
    for node, attrs in source.nodes():
        node_schemas.setdefault(labels.add(node, attrs), Schema()).add(attrs)
    edge_schemas: dict[tuple[str, str, str], Schema] = {}
    for u, v, attrs in source.edge_schema_rows():
        group = (_relationship_type(attrs.get("kind"), default_type), labels.of(u), labels.of(v))
        edge_schemas.setdefault(group, Schema()).add(attrs)
    pairs = Counter(kind for kind, _, _ in edge_schemas)
    node_files, edge_files = [], []
    files: dict[Any, tuple[IO[str], list[Column]]] = {}
    with _OpenFiles() as opened:
        for label, schema in node_schemas.items():
            columns = _neo4j_columns(schema)
            node_files.append(folder / f"{label}.csv")
            header = [f"id:ID({label})", *(_neo4j_header(c) for c in columns), ":LABEL"]
            files[label] = (opened.open(node_files[-1], header), columns)
        for (kind, start, end), schema in sorted(edge_schemas.items()):
            columns = _neo4j_columns(schema)
            name = kind if pairs[kind] == 1 else f"{kind}-{start}-{end}"
            edge_files.append(folder / f"{name}.csv")
            header = [f":START_ID({start})", f":END_ID({end})", ":TYPE",
                      *(_neo4j_header(c) for c in columns)]
            files[(kind, start, end)] = (opened.open(edge_files[-1], header), columns)
        for node, attrs in source.nodes():
            label = labels.of(node)
            fh, columns = files[label]
            fh.write(",".join([_neo4j_text(node), *_neo4j_cells(attrs, columns), label]) + "\n")
        for u, v, attrs in source.edges():
            group = (_relationship_type(attrs.get("kind"), default_type), labels.of(u),
                     labels.of(v))
            fh, columns = files[group]
            fh.write(",".join([_neo4j_text(u), _neo4j_text(v), group[0],
                               *_neo4j_cells(attrs, columns)]) + "\n")
    script = folder / "neo4j-import.sh"
    command = neo4j_import_command([p.name for p in node_files], [p.name for p in edge_files],
                                   database='"${1:-neo4j}"', admin='"${NEO4J_ADMIN:-neo4j-admin}"')
    with atomic(script) as fh:
        fh.write("#!/bin/sh\n# Import these CSV files into a new Neo4j database (graphnews "
                 "docs/exports.md).\n# Usage: sh neo4j-import.sh [database]   "
                 "(NEO4J_ADMIN=/path/to/neo4j-admin picks the binary)\n"
                 f'cd "$(dirname "$0")" && exec {command}\n')
    script.chmod(0o755)
    return [*node_files, *edge_files, script]


def neo4j_import_command(
    nodes: Iterable[str | os.PathLike[str]],
    relationships: Iterable[str | os.PathLike[str]],
    *,
    database: str = "neo4j",
    admin: str = "neo4j-admin",
) -> str:
    """The ``neo4j-admin database import full`` command that imports these CSV files.

    The database name comes first: Neo4j 5.19 and later need it before ``--nodes``.
    ``--multiline-fields=true`` because excerpts may hold newlines.

    >>> print(neo4j_import_command(["Outlet.csv"], ["FOLLOWS.csv"], admin="bin/neo4j-admin"))
    bin/neo4j-admin database import full neo4j \\
      --nodes=Outlet.csv \\
      --relationships=FOLLOWS.csv \\
      --multiline-fields=true
    """
    parts = [f"{admin} database import full {database}",
             *(f"--nodes={p}" for p in nodes),
             *(f"--relationships={p}" for p in relationships),
             "--multiline-fields=true"]
    return " \\\n  ".join(parts)


def _neo4j_columns(schema: Schema) -> list[Column]:
    """The property columns: ``kind`` is the label or type; ``id`` and ``:`` are taken."""
    columns = schema.columns(skip=("kind",))
    for col in columns:
        if ":" in col.name or col.name == "id":
            raise BadInputError(f"attribute {col.name!r} cannot be a Neo4j property name "
                                "(':' and 'id' belong to the import header)")
    return columns


class _Labels:
    """Each node's Neo4j label, kept only where the node id's prefix does not say it.

    graphnews node ids carry their kind (``article:12``), so for them nothing is stored.
    """

    def __init__(self) -> None:
        self.unusual: dict[Any, str] = {}

    def add(self, node: Any, attrs: Attrs) -> str:
        label = _label(attrs.get("kind"))
        if label != self._from_id(node):
            self.unusual[node] = label
        return label

    def of(self, node: Any) -> str:
        return self.unusual.get(node) or self._from_id(node)

    @staticmethod
    def _from_id(node: Any) -> str:
        text = str(node)
        return _label(text[:text.index(":")]) if ":" in text else "Node"


@functools.lru_cache(maxsize=4096)
def _label(kind: Any) -> str:
    """A node kind as a CamelCase Neo4j label: ``article`` -> ``Article``."""
    parts = re.split(r"[\W_]+", str(kind)) if kind is not None else []
    return "".join(p[:1].upper() + p[1:] for p in parts if p) or "Node"


@functools.lru_cache(maxsize=4096)
def _relationship_type(kind: Any, default: str) -> str:
    """An edge kind as a Neo4j relationship type: ``published_by`` -> ``PUBLISHED_BY``."""
    text = re.sub(r"\W+", "_", str(kind)).strip("_").upper() if kind is not None else ""
    return text or default


def _neo4j_header(col: Column) -> str:
    return _neo4j_text(f"{col.name}:{col.neo4j_type}", quote=False)


def _neo4j_cells(attrs: Attrs, columns: list[Column]) -> Iterator[str]:
    for col in columns:
        if col.name not in attrs:
            yield ""
        elif col.type == "string":
            yield _neo4j_text(as_text(attrs[col.name]), quote=col.neo4j_type == "string")
        else:
            yield as_text(attrs[col.name])


def _neo4j_text(value: Any, *, quote: bool = True) -> str:
    """A CSV field for neo4j-admin: quoted (inner quotes doubled) when text or when needed."""
    text = str(value)
    if quote or any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


class _OpenFiles:
    """Opens the Neo4j CSV files (header first) and closes them all, atomically, at the end."""

    def __init__(self) -> None:
        self._stack: list[Any] = []

    def open(self, path: Path, header: list[str]) -> IO[str]:
        manager = atomic(path)
        fh = manager.__enter__()
        self._stack.append(manager)
        fh.write(",".join(header) + "\n")
        return fh

    def __enter__(self) -> _OpenFiles:
        return self

    def __exit__(self, *exc: Any) -> None:
        for manager in reversed(self._stack):
            manager.__exit__(*exc)
