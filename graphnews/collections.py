"""Outlet metadata (any attributes, by domain) and collections (named sets of outlets).

`import_outlets` reads a user's CSV or YAML file of outlet attributes (``country``,
``language``, ``media_type``, ``lean``, ``owner``: any columns) into the database. Every import
is a new metadata version; re-importing changes only what changed, reports domains the database
does not know yet (their rows are kept: they apply once those outlets appear), and names every
row it could not use with its line. Nothing is dropped silently. See docs/collections.md.

A `Collection` is a named set of outlets: a rule over one attribute (``lean=left``,
``country=us,uk``) or a hand-made list of domains (``graphnews collections add NAME DOMAIN...``).
`Filters` takes collections, so every report can be restricted to them.

Examples
--------
>>> import graphnews, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.md").write_text("---\\ntitle: A\\nwebUrl: https://a.com/1\\n---\\n")
>>> _ = (d / "meta.csv").write_text("domain,lean,country\\nwww.a.com,left,us\\nb.org,right,uk\\n")
>>> db = graphnews.open(":memory:"); _ = db.ingest([d / "a.md"])
>>> report = import_outlets(db, d / "meta.csv")
>>> report.added, report.unknown
(4, ['b.org'])
>>> outlet_metadata(db)["a.com"]
{'country': 'us', 'lean': 'left'}
>>> sorted(resolve_collection(db, "lean=left").members(db))
['a.com']
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphnews.dates import utc_now
from graphnews.errors import BadInputError, NotFoundError
from graphnews.identity import outlet_domain
from graphnews.store import Database

__all__ = [
    "DOMAIN_COLUMNS",
    "Collection",
    "MetadataImport",
    "attribute_collections",
    "delete_collection",
    "import_outlets",
    "list_collections",
    "node_attributes",
    "outlet_metadata",
    "parse_rule",
    "resolve_collection",
    "resolve_collections",
    "save_collection",
]

#: Column names that may hold the outlet's domain (the first one present is used).
DOMAIN_COLUMNS = ("domain", "outlet", "site", "url", "website")
#: Attribute names reserved by the graph model: an attribute with one of these names is
#: exported as ``meta_<name>`` so it never hides an outlet's own attribute.
RESERVED = frozenset({"kind", "label", "name", "domain", "names", "articles"})


@dataclass
class MetadataImport:
    """What ``graphnews outlets import FILE`` did (the ``--format json`` contract)."""

    path: str
    version: int | None  # the metadata version this import wrote; None when nothing changed
    rows: int = 0  # rows read with a usable domain
    domains: int = 0
    added: int = 0  # attribute values new for their domain
    changed: int = 0  # values that replaced a different one
    unchanged: int = 0
    removed: int = 0  # values an empty cell cleared
    unknown: list[str] = field(default_factory=list)  # domains with no outlet in the database
    skipped: list[str] = field(default_factory=list)  # 'file:line: reason' of unusable rows
    duplicates: list[str] = field(default_factory=list)  # 'file:line: ...' later row wins
    same_file: bool = False  # the same bytes were imported before: nothing to do

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_outlets(db: Database, path: str | os.PathLike[str], *, replace: bool = False
                   ) -> MetadataImport:
    """Store the outlet attributes of a CSV or YAML file (by extension; docs/collections.md).

    Parameters
    ----------
    db : Database
    path : path-like
        ``.csv`` (a header row; a ``domain`` column, or ``outlet``/``site``/``url``/``website``;
        every other column is an attribute) or ``.yaml``/``.yml`` (a mapping
        ``domain: {attribute: value}``, or a list of mappings each with a ``domain``).
    replace : bool
        Forget every attribute stored before (default: keep what the file does not mention).

    An empty cell clears that attribute for that domain; a domain the file does not mention
    keeps its attributes. Domains are normalised like outlet identities (``www.`` and URLs are
    fine) and follow the outlet overrides' merges.

    Raises
    ------
    BadInputError
        When the file cannot be read or has the wrong shape (the message says where).
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read {file}: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    report = MetadataImport(path=str(file), version=None)
    rows = _read_rows(file, data, report)
    merges = dict(db.conn.execute(
        "SELECT domain, merge_into FROM outlet_overrides WHERE merge_into IS NOT NULL"))
    values: dict[str, dict[str, str | None]] = {}
    seen_at: dict[str, str] = {}
    for where, raw_domain, attributes in rows:
        domain = outlet_domain(raw_domain) if raw_domain else None
        if not domain:
            report.skipped.append(f"{where}: no domain in this row")
            continue
        domain = merges.get(domain, domain)
        if domain in seen_at:
            report.duplicates.append(f"{where}: {domain} again (first at {seen_at[domain]}); "
                                     "this row's values win")
        seen_at.setdefault(domain, where)
        values.setdefault(domain, {}).update(attributes)
        report.rows += 1
    report.domains = len(values)
    known = {d for (d,) in db.conn.execute("SELECT domain FROM outlets")}
    report.unknown = sorted(set(values) - known)
    previous = db.conn.execute(
        "SELECT id FROM metadata_imports WHERE path = ? AND content_hash = ? ORDER BY id DESC",
        (str(file.resolve()), digest)).fetchone()
    stored = outlet_metadata(db)
    if previous is not None and not replace and _all_stored(values, stored):
        report.same_file = True
        report.unchanged = sum(v is not None for a in values.values() for v in a.values())
        return report
    with db.transaction() as conn:
        if replace:
            report.removed = sum(len(v) for v in stored.values())
            conn.execute("DELETE FROM outlet_metadata")
            stored = {}
        version = int(conn.execute(  # RETURNING: both engines (psycopg has no lastrowid)
            "INSERT INTO metadata_imports (path, content_hash, imported_at, summary) "
            "VALUES (?, ?, ?, '{}') RETURNING id", (str(file.resolve()), digest, utc_now())
        ).fetchone()[0])
        for domain, attributes in sorted(values.items()):
            old = stored.get(domain, {})
            for key, value in sorted(attributes.items()):
                if value is None:
                    if key in old:
                        conn.execute("DELETE FROM outlet_metadata WHERE domain = ? AND key = ?",
                                     (domain, key))
                        report.removed += 1
                    continue
                if old.get(key) == value:
                    report.unchanged += 1
                    continue
                if key in old:
                    report.changed += 1
                else:
                    report.added += 1
                conn.execute(
                    "INSERT OR REPLACE INTO outlet_metadata (domain, key, value, import_id) "
                    "VALUES (?, ?, ?, ?)", (domain, key, value, version))
        report.version = version
        summary = {k: v for k, v in report.as_dict().items() if k not in ("path", "version")}
        conn.execute("UPDATE metadata_imports SET summary = ? WHERE id = ?",
                     (json.dumps(summary), version))
    return report


def outlet_metadata(db: Database, domains: Iterable[str] | None = None
                    ) -> dict[str, dict[str, str]]:
    """Attributes by outlet domain (attribute names sorted), for ``domains`` or every one."""
    if domains is None:
        rows = db.conn.execute("SELECT domain, key, value FROM outlet_metadata ORDER BY 1, 2")
    else:
        rows = db.conn.execute(
            "SELECT domain, key, value FROM outlet_metadata WHERE domain IN "
            "(SELECT value FROM json_each(?)) ORDER BY 1, 2", (json.dumps(sorted(set(domains))),))
    found: dict[str, dict[str, str]] = {}
    for domain, key, value in rows:
        found.setdefault(domain, {})[key] = value
    return found


def node_attributes(metadata: Mapping[str, str]) -> dict[str, str]:
    """An outlet's metadata as graph node attributes (reserved names get a ``meta_`` prefix)."""
    return {(f"meta_{k}" if k in RESERVED else k): v for k, v in metadata.items()}


@dataclass(frozen=True)
class Collection:
    """A named set of outlets: ``rule`` over one attribute, or the listed ``domains``."""

    name: str
    key: str | None = None  # the attribute of a rule
    values: frozenset[str] = frozenset()  # its accepted values, lowercase
    domains: frozenset[str] = frozenset()  # the members of a listed collection

    @property
    def rule(self) -> str | None:
        """``key=value[,value...]`` for a rule, None for a listed collection."""
        return None if self.key is None else f"{self.key}={','.join(sorted(self.values))}"

    def outlet_sql(self, column: str) -> tuple[str, list[object]]:
        """A SQL condition that the outlet domain in ``column`` is a member."""
        if self.key is None:
            return (f"{column} IN (SELECT value FROM json_each(?))",
                    [json.dumps(sorted(self.domains))])
        return (f"{column} IN (SELECT domain FROM outlet_metadata WHERE key = ? "
                f"AND lower(value) IN (SELECT value FROM json_each(?)))",
                [self.key, json.dumps(sorted(self.values))])

    def members(self, db: Database) -> set[str]:
        """Domains of the outlets in the database that belong to the collection."""
        cond, params = self.outlet_sql("domain")
        return {d for (d,) in db.conn.execute(f"SELECT domain FROM outlets WHERE {cond}",
                                              params)}

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rule": self.rule, "domains": sorted(self.domains)}


def parse_rule(text: str, *, name: str | None = None) -> Collection:
    """``key=value[,value...]`` as a `Collection` (values match case-insensitively).

    >>> parse_rule("Lean = left, center-left").rule
    'lean=center-left,left'
    """
    key, sep, values = text.partition("=")
    accepted = frozenset(v.strip().lower() for v in values.split(",") if v.strip())
    if not sep or not key.strip() or not accepted:
        raise BadInputError(f"{text!r} is not a collection rule: write ATTRIBUTE=VALUE "
                            "(several values separated by commas), e.g. lean=left")
    return Collection(name=name or text.strip(), key=key.strip().lower(), values=accepted)


def resolve_collection(db: Database, spec: str) -> Collection:
    """A collection from ``key=value`` (a rule, named after itself) or a saved collection's name.

    Raises
    ------
    NotFoundError
        For a name that is neither a rule nor a saved collection.
    """
    if "=" in spec:
        return parse_rule(spec)
    row = db.conn.execute("SELECT name, rule FROM collections WHERE name = ?",
                          (spec.strip(),)).fetchone()
    if row is None:
        saved = [n for (n,) in db.conn.execute("SELECT name FROM collections ORDER BY name")]
        hint = f" (saved: {', '.join(saved)})" if saved else ""
        raise NotFoundError(f"no collection {spec!r}: give ATTRIBUTE=VALUE (e.g. lean=left) or "
                            f"the name of one saved with 'graphnews collections add'{hint}")
    name, rule = row
    if rule is not None:
        return parse_rule(rule, name=name)
    domains = frozenset(d for (d,) in db.conn.execute(
        "SELECT domain FROM collection_outlets WHERE name = ?", (name,)))
    return Collection(name=name, domains=domains)


def resolve_collections(db: Database, specs: Sequence[str] | None) -> tuple[Collection, ...]:
    """`resolve_collection` for each spec (duplicates once, in the order given)."""
    found: dict[str, Collection] = {}
    for spec in specs or ():
        c = resolve_collection(db, spec)
        found.setdefault(c.name, c)
    return tuple(found.values())


def attribute_collections(db: Database, key: str) -> tuple[Collection, ...]:
    """One collection per value of the attribute ``key`` (``compare --by lean``), by value.

    Raises
    ------
    NotFoundError
        When no outlet has that attribute (the message lists the attributes there are).
    """
    values = [v for (v,) in db.conn.execute(
        "SELECT DISTINCT lower(value) FROM outlet_metadata WHERE key = ? ORDER BY 1",
        (key.strip().lower(),))]
    if not values:
        keys = [k for (k,) in db.conn.execute("SELECT DISTINCT key FROM outlet_metadata "
                                              "ORDER BY 1")]
        hint = (f"attributes there are: {', '.join(keys)}" if keys else
                "import outlet metadata first with 'graphnews outlets import FILE'")
        raise NotFoundError(f"no outlet has the attribute {key!r}; {hint}")
    return tuple(parse_rule(f"{key}={v}") for v in values)


def save_collection(db: Database, name: str, *, rule: str | None = None,
                    domains: Iterable[str] = ()) -> Collection:
    """Save a collection under ``name`` (a rule, or listed domains), replacing one of that name.

    Raises
    ------
    BadInputError
        Without a rule or domains, with both, or with a name containing ``=``.
    """
    listed = sorted({outlet_domain(d) or d for d in domains})
    if "=" in name or not name.strip():
        raise BadInputError(f"{name!r} cannot name a collection: use a word without '='")
    if (rule is None) == (not listed):
        raise BadInputError("give either a rule (--where lean=left) or outlet domains, not both")
    collection = (parse_rule(rule, name=name) if rule is not None
                  else Collection(name=name, domains=frozenset(listed)))
    with db.transaction() as conn:
        conn.execute("DELETE FROM collections WHERE name = ?", (name,))
        conn.execute("INSERT INTO collections (name, rule) VALUES (?, ?)",
                     (name, collection.rule))
        conn.executemany("INSERT INTO collection_outlets (name, domain) VALUES (?, ?)",
                         [(name, d) for d in listed])
    return collection


def delete_collection(db: Database, name: str) -> None:
    """Forget a saved collection. Raises `NotFoundError` when there is none of that name."""
    with db.transaction() as conn:
        if conn.execute("DELETE FROM collections WHERE name = ?", (name,)).rowcount == 0:
            raise NotFoundError(f"no saved collection {name!r}")


def list_collections(db: Database) -> list[dict[str, Any]]:
    """Saved collections with their rule or domains and how many outlets of the database match."""
    rows = []
    for (name,) in db.conn.execute("SELECT name FROM collections ORDER BY name").fetchall():
        c = resolve_collection(db, name)
        rows.append(c.as_dict() | {"outlets": len(c.members(db))})
    return rows


# -- reading metadata files ---------------------------------------------------------------------
_Row = tuple[str, str | None, dict[str, str | None]]  # where, domain as given, attributes


def _read_rows(file: Path, data: bytes, report: MetadataImport) -> list[_Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{file}: not UTF-8 text (byte {exc.start})") from None
    suffix = file.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(file, text, report)
    if suffix in (".yaml", ".yml"):
        return _yaml_rows(file, text, report)
    raise BadInputError(f"{file}: unknown metadata format {suffix or '(no extension)'!r}: "
                        "use a .csv file with a header row or a .yaml file")


def _csv_rows(file: Path, text: str, report: MetadataImport) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise BadInputError(f"{file}: empty file (a header row is needed)") from None
    column = next((c for c in DOMAIN_COLUMNS if c in header), None)
    if column is None:
        raise BadInputError(f"{file}:1: no domain column: the header needs one of "
                            f"{', '.join(DOMAIN_COLUMNS)}")
    if len(set(header)) != len(header) or "" in header:
        raise BadInputError(f"{file}:1: every column needs a name of its own")
    index = header.index(column)
    rows: list[_Row] = []
    for cells in reader:
        where = f"{file}:{reader.line_num}"
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            report.skipped.append(f"{where}: {len(cells)} cells where the header has "
                                  f"{len(header)}")
            continue
        attributes = {h: (c.strip() or None) for h, c in zip(header, cells, strict=True)
                      if h != column}
        rows.append((where, cells[index].strip() or None, attributes))
    return rows


def _yaml_rows(file: Path, text: str, report: MetadataImport) -> list[_Row]:
    import yaml  # only for a YAML metadata file

    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise BadInputError(f"{file}{line}: not valid YAML ({getattr(exc, 'problem', exc)})"
                            ) from None
    if loaded is None:
        return []
    if isinstance(loaded, dict):
        items = [(str(k), v) for k, v in loaded.items()]
    elif isinstance(loaded, list):
        items = []
        for i, entry in enumerate(loaded):
            if not isinstance(entry, dict):
                report.skipped.append(f"{file}: entry {i + 1}: not a mapping of attributes")
                continue
            given = {str(k).lower(): v for k, v in entry.items()}
            column = next((c for c in DOMAIN_COLUMNS if c in given), None)
            domain = given.pop(column) if column else None
            items.append((str(domain) if domain else "", given))
    else:
        raise BadInputError(f"{file}: expected a mapping of domains to attributes, or a list "
                            "of mappings each with a 'domain'")
    rows: list[_Row] = []
    for i, (domain, attributes) in enumerate(items):
        where = f"{file}: entry {i + 1} ({domain or 'no domain'})"
        if not isinstance(attributes, dict):
            report.skipped.append(f"{where}: its attributes are not a mapping")
            continue
        rows.append((where, domain or None,
                     {str(k).strip().lower(): _text(v) for k, v in attributes.items()}))
    return rows


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _all_stored(values: Mapping[str, Mapping[str, str | None]],
                stored: Mapping[str, Mapping[str, str]]) -> bool:
    return all(stored.get(d, {}).get(k) == v if v is not None else k not in stored.get(d, {})
               for d, attrs in values.items() for k, v in attrs.items())
