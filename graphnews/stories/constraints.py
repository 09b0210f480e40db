"""Your corrections to the stories: pairs of articles that are, or are not, one story.

The stories are a clustering and will be wrong somewhere (docs/stories.md says how often). A
researcher who has read the articles can say so, and every later computation honours it:

- **join** A and B: they are one story (a must-link: the clustering treats them as one article);
- **separate** A and B: they are not (a cannot-link: the clustering never puts them together).

A and B are articles, by any URL of them, or stories, by id (a story stands for its first
article, so ``separate(article, story)`` takes the article out of that story, and
``join(story, story)`` makes the two one). They are kept by canonical URL in the database
(``meta.story_constraints``), so they outlive every recomputation, incremental or full, and the
ranges (`graphnews.stories.alternatives`) honour them too; changing them recomputes the stories.
A later constraint on the same pair replaces the earlier one; a separation inside a group of
joined articles is refused (it could not hold). ``graphnews story A --join B``, ``--separate B``,
``--forget B``; ``graphnews stories --constraints`` lists them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from graphnews.errors import BadInputError, NotFoundError

if TYPE_CHECKING:
    import numpy as np

    from graphnews.store import Database

__all__ = [
    "META_KEY",
    "AppliedCorrections",
    "Constraint",
    "Kind",
    "LabelCorrections",
    "StoryConstraints",
    "apply_corrections",
    "article_url",
    "constrain",
    "correct_with_labels",
    "describe",
    "load_constraints",
    "read_corrections",
]

META_KEY = "story_constraints"
Kind = Literal["join", "separate"]


@dataclass(frozen=True)
class Constraint:
    """One correction: two articles (canonical URLs, in order) are, or are not, one story."""

    kind: Kind
    a: str
    b: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class StoryConstraints:
    """Every stored correction, in the order they were made."""

    items: tuple[Constraint, ...] = ()

    def digest(self) -> str | None:
        """What the stored stories' parameters record of the corrections (None: there are none,
        so stories computed before this feature stay current)."""
        if not self.items:
            return None
        text = json.dumps([c.as_dict() for c in self.items], sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    def touching(self, urls: Iterable[str]) -> list[Constraint]:
        """The corrections with an article among ``urls`` (canonical URLs): what a story's
        page and ``graphnews story`` say was corrected by hand."""
        mine = set(urls)
        return [c for c in self.items if c.a in mine or c.b in mine]

    def positions(self, urls: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The join and the separate pairs as positions in ``urls`` (an article's canonical URL
        by position): two ``(k, 2)`` arrays; a pair with an article not among them is left out."""
        import numpy as np  # here: the CLI reads corrections without loading numpy

        at = {url: i for i, url in enumerate(urls)}
        out: dict[str, list[tuple[int, int]]] = {"join": [], "separate": []}
        for c in self.items:
            if c.a in at and c.b in at:
                out[c.kind].append((at[c.a], at[c.b]))
        join, separate = (np.array(out[k], dtype=np.int64).reshape(-1, 2)
                          for k in ("join", "separate"))
        return join, separate


def load_constraints(db: Database) -> StoryConstraints:
    """The corrections stored in ``db`` (none: an empty `StoryConstraints`)."""
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    if row is None:
        return StoryConstraints()
    return StoryConstraints(tuple(Constraint(c["kind"], c["a"], c["b"])
                                  for c in json.loads(row[0])))


def constrain(db: Database, a: str, b: str, kind: Kind | None) -> StoryConstraints:
    """Store that ``a`` and ``b`` are one story (``kind`` "join"), are not ("separate"), or
    forget what was said of them (None); return every correction.

    ``a`` and ``b`` are article URLs or story ids (a story: its first article). The stories are
    not recomputed here: the next computation (every command that reads them) does it.

    Raises
    ------
    NotFoundError
        When ``a`` or ``b`` names no article and no story.
    BadInputError
        When they name one article, or a separation contradicts the joins.
    """
    first, second = article_url(db, a), article_url(db, b)
    if first == second:
        raise BadInputError(f"{a!r} and {b!r} are the same article")
    pair = tuple(sorted((first, second)))
    kept = [c for c in load_constraints(db).items if (c.a, c.b) != pair]
    if kind is not None:
        kept.append(_checked(kept, Constraint(kind, *pair), f"{a!r} and {b!r}"))
    _store(db, kept)
    return StoryConstraints(tuple(kept))


@dataclass(frozen=True)
class LabelCorrections:
    """What `correct_with_labels` did."""

    joins: int  # joins added (each labelled story's articles with its first)
    separations: int  # separations added (the first articles of labelled stories kept apart)
    rounds: int  # computations of the stories it took
    merged: int  # stored stories still holding two or more labelled stories (0: every label holds)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def correct_with_labels(db: Database, labels: Mapping[str, Mapping[str, str]], *,
                        rounds: int = 10) -> LabelCorrections:
    """Make the stories agree with ``labels`` (source -> URL -> story, as
    `graphnews.stories.fit.read_labels` reads them) by corrections, and recompute them.

    Each labelled story's articles are joined (to its first); then, round after round, the
    first articles of labelled stories of one source that share a stored story are separated,
    until no stored story holds two labelled stories (at most ``rounds`` computations).
    Unlabelled articles go where the evidence puts them. Labelled URLs the database does not
    hold are left out.

    Raises
    ------
    BadInputError
        When a label contradicts a correction made before (a separation inside a labelled
        story): forget it first.
    """
    from graphnews.stories.detect import update_stories

    groups: dict[tuple[str, str], list[str]] = {}
    for source, story_of in labels.items():
        for url, story in story_of.items():
            canonical = _stored_url(db, url)
            if canonical is not None:
                members = groups.setdefault((source, story), [])
                if canonical not in members:
                    members.append(canonical)
    kept = list(load_constraints(db).items)
    said = {(c.a, c.b): c.kind for c in kept}
    joins = separations = 0
    for (_, story), members in groups.items():
        for other in members[1:]:
            pair = tuple(sorted((members[0], other)))
            if said.get(pair) == "separate":
                raise BadInputError(f"story {story!r}: {pair[0]} and {pair[1]} were kept apart "
                                    "before: forget that separation first")
            if pair not in said:
                kept.append(_checked(kept, Constraint("join", *pair), f"story {story!r}"))
                said[pair] = "join"
                joins += 1
    root = _roots(kept)
    seen: dict[tuple[str, str], str] = {}
    for (source, story), members in groups.items():
        other = seen.setdefault((source, root(members[0])), story)
        if other != story:
            raise BadInputError(f"labelled stories {other!r} and {story!r} were joined before "
                                "(graphnews stories --constraints lists it): forget that join "
                                "first")
    _store(db, kept)
    head = {url: (source, members[0]) for (source, _), members in groups.items()
            for url in members}
    done = 0
    while True:
        update_stories(db)
        done += 1
        holding: dict[str, set[tuple[str, str]]] = {}
        for url, story in db.conn.execute(
                "SELECT a.canonical_url, s.story_id FROM articles a JOIN story_articles s "
                "ON s.article_id = a.id WHERE a.canonical_url IN (SELECT value FROM json_each(?))",
                (json.dumps(list(head)),)):
            holding.setdefault(story, set()).add(head[url])
        apart = [tuple(sorted((a, b))) for heads in holding.values()
                 for (sa, a), (sb, b) in itertools.combinations(sorted(heads), 2) if sa == sb]
        merged = len({story for story, heads in holding.items()
                      if len(heads) > len({source for source, _ in heads})})
        new = [pair for pair in dict.fromkeys(apart) if pair not in said]
        if not new or done >= rounds:
            return LabelCorrections(joins, separations, done, merged)
        for pair in new:
            kept = [c for c in kept if (c.a, c.b) != pair]
            kept.append(_checked(kept, Constraint("separate", *pair), "two labelled stories"))
            said[pair] = "separate"
        separations += len(new)
        _store(db, kept)


@dataclass(frozen=True)
class AppliedCorrections:
    """What `apply_corrections` did."""

    added: int  # corrections stored (new, or replacing another word on the same pair)
    unchanged: int  # already stored as they are
    missing: list[str]  # URLs of the file the database does not hold (their rows skipped)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_corrections(path: str | Path) -> list[Constraint] | None:
    """The corrections in a file ``graphnews stories --constraints`` wrote (``--format json``,
    or ``csv``/tab-separated with ``kind``, ``a`` and ``b`` columns), or None when the file is
    not one (a labels TSV, say).

    Raises
    ------
    BadInputError
        When it cannot be read, or a row's kind is neither join nor separate or misses a URL
        (file and line).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"{file}: cannot read it: {error}") from error
    if text.lstrip().startswith("["):
        try:
            rows = [(str(i + 1), row) for i, row in enumerate(json.loads(text))]
        except (json.JSONDecodeError, TypeError) as error:
            raise BadInputError(f"{file}: not the JSON of 'graphnews stories --constraints': "
                                f"{error}") from error
    else:
        header = text.split("\n", 1)[0]
        reader = csv.DictReader(io.StringIO(text, newline=""),
                                delimiter="\t" if "\t" in header else ",")
        if not reader.fieldnames or not {"kind", "a", "b"} <= set(reader.fieldnames):
            return None
        rows = [(f"line {reader.line_num}", row) for row in reader]
    out = []
    for where, row in rows:
        kind, a, b = (str(row.get(k) or "").strip() if isinstance(row, dict) else ""
                      for k in ("kind", "a", "b"))
        if kind not in ("join", "separate") or not a or not b:
            raise BadInputError(f"{file}: {where}: a correction needs a kind (join or "
                                f"separate) and two URLs, got {row!r}")
        out.append(Constraint("join" if kind == "join" else "separate", a, b))
    return out


def apply_corrections(db: Database, corrections: Iterable[Constraint]) -> AppliedCorrections:
    """Store ``corrections`` (from another database, say: `read_corrections`), each article by
    any URL of it; rows naming an article this database does not hold are skipped and listed.
    Nothing is stored when one contradicts the others or those stored (a BadInputError)."""
    kept = list(load_constraints(db).items)
    added = unchanged = 0
    missing: list[str] = []
    for c in corrections:
        urls = []
        for url in (c.a, c.b):
            canonical = _stored_url(db, url)
            if canonical is None:
                missing.append(url)
            else:
                urls.append(canonical)
        if len(urls) < 2 or urls[0] == urls[1]:
            continue
        pair = tuple(sorted(urls))
        if Constraint(c.kind, *pair) in kept:
            unchanged += 1
            continue
        kept = [k for k in kept if (k.a, k.b) != pair]
        kept.append(_checked(kept, Constraint(c.kind, *pair), f"{pair[0]} and {pair[1]}"))
        added += 1
    _store(db, kept)
    return AppliedCorrections(added, unchanged, missing)


def _checked(kept: list[Constraint], added: Constraint, what: str) -> Constraint:
    """``added``, unless it contradicts ``kept`` (a separation inside joined articles, a join
    across a separation): then a BadInputError naming ``what``."""
    if added.kind == "separate" and _joined(kept, added.a, added.b):
        raise BadInputError(
            f"{what}: joined through other articles (graphnews stories --constraints lists "
            "them): forget one of those joins first")
    if added.kind == "join" and _any_joined(
            [*kept, added], [(s.a, s.b) for s in kept if s.kind == "separate"]):
        raise BadInputError(
            f"{what}: joining them would join two articles kept apart (graphnews stories "
            "--constraints lists them): forget that separation first")
    return added


def _store(db: Database, kept: list[Constraint]) -> None:
    with db.transaction() as conn:
        if kept:
            db.put_meta(META_KEY, json.dumps([c.as_dict() for c in kept]))
        else:
            conn.execute("DELETE FROM meta WHERE key = ?", (META_KEY,))


def article_url(db: Database, name: str) -> str:
    """The canonical URL of the article ``name`` names (a URL, or a story id: its first)."""
    from graphnews.stories.stored import get_story

    text = name.strip()
    if "://" not in text:
        return _url_of(db, get_story(db, text).articles[0])
    found = _stored_url(db, text)
    if found is None:
        raise NotFoundError(f"no article has the URL {name!r}")
    return found


def _stored_url(db: Database, url: str) -> str | None:
    """The canonical URL the database keeps for the article ``url`` (any alias) names."""
    article = db.resolve_url(url)
    return None if article is None else _url_of(db, article)


def _url_of(db: Database, article: int) -> str:
    (url,) = db.conn.execute("SELECT canonical_url FROM articles WHERE id = ?",
                             (article,)).fetchone()
    return str(url)


def _joined(constraints: Iterable[Constraint], a: str, b: str) -> bool:
    """Whether the joins among ``constraints`` connect ``a`` and ``b``."""
    return _any_joined(constraints, [(a, b)])


def _any_joined(constraints: Iterable[Constraint], pairs: Iterable[tuple[str, str]]) -> bool:
    """Whether the joins among ``constraints`` connect the two articles of any of ``pairs``."""
    root = _roots(constraints)
    return any(root(a) == root(b) for a, b in pairs)


def _roots(constraints: Iterable[Constraint]) -> Callable[[str], str]:
    """Each article's group under the joins among ``constraints`` (as one of its articles)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for c in constraints:
        if c.kind == "join":
            parent[root(c.a)] = root(c.b)
    return root


def describe(db: Database, constraints: StoryConstraints) -> list[dict[str, Any]]:
    """Each correction with both articles' titles and current stories (for listing)."""
    out = []
    for c in constraints.items:
        row: dict[str, Any] = c.as_dict()
        for side, url in (("a", c.a), ("b", c.b)):
            found = db.conn.execute(
                "SELECT a.title, s.story_id FROM articles a LEFT JOIN story_articles s "
                "ON s.article_id = a.id WHERE a.canonical_url = ?", (url,)).fetchone()
            row[f"{side}_title"], row[f"{side}_story"] = found if found else (None, None)
        out.append(row)
    return out
