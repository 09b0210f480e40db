"""Hostile document structures for fuzzing the ingest (issue 14), shared by the fast test and
benchmarks/fuzz_ingest.py (at least 10,000 cases).

One case is one file holding one document: a usable web address plus a field whose value is
drawn from nesting depths up to 1,200, keys of every YAML type (lists, mappings, numbers,
null), lone surrogates and other unencodable text, odd scalars (.nan, .inf, years 0001 and
9999, numbers of thousands of digits), in YAML front matter, JSON or NDJSON.
The property: the ingest never raises, every file is either stored or rejected (quarantined,
counted), and the good document beside them is always stored.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import strategies as st

import graphnews

ODD_SCALARS = [".nan", ".inf", "-.inf", "0001-01-01", "9999-12-31T23:59:59Z", "0000-00-00",
               "9" * 5000, "1e999", "-0", "0x1F", "~", "null", "yes", "!!binary aGk=",
               '"\\ud800"', '"\\udfff\\ud800"', '"\\x00\\x1b[2J"', "'\\u202e'"]
YAML_KEYS = ["? [a, b]\n: 1", "? {a: 1}\n: 2", "1: one", "null: x", "~: y", ".nan: z",
             "2022-01-01: d", "[x]: 3", "? !!binary aGk=\n: 4", "'\\ud800': s"]


@st.composite
def nested(draw: st.DrawFn) -> str:
    """A JSON/YAML flow value nested up to 1,200 levels (past Python's recursion limit)."""
    depth = draw(st.sampled_from([0, 1, 5, 100, 500, 990, 1200]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"k": ', "}")]))
    leaf = draw(st.sampled_from(["1", '"x"', "null", "[]", "{}"]))
    return opener * depth + leaf + closer * depth


@st.composite
def document(draw: st.DrawFn) -> tuple[str, str]:
    """(file name ending, text) of one hostile document."""
    kind = draw(st.sampled_from(["md", "json", "ndjson"]))
    value = draw(st.one_of(nested(), st.sampled_from(ODD_SCALARS),
                           st.text(max_size=20).map(json.dumps)))
    url = "https://fuzz.example/" + str(draw(st.integers(0, 10**6)))
    if kind == "md":
        key = draw(st.one_of(st.just("field: " + value), st.sampled_from(YAML_KEYS)))
        date = draw(st.sampled_from(["", "publishedDateTime: 0001-01-01T00:00:00Z\n",
                                     "publishedDateTime: 9999-12-31\n"]))
        return ".md", f"---\nwebUrl: {url}\n{date}{key}\ntitle: {value}\n---\n"
    text = f'{{"webUrl": "{url}", "field": {value}, "title": {value}}}'
    return (".json", f"[{text}]") if kind == "json" else (".ndjson", text + "\n")


def check_batch(folder: Path, docs: list[tuple[str, str]]) -> None:
    """Ingest ``docs`` beside one good document; assert the property (see the module)."""
    folder.mkdir(parents=True)
    (folder / "good.md").write_text("---\nwebUrl: https://good.example/a\n---\n")
    for i, (suffix, text) in enumerate(docs):
        (folder / f"case{i:05}{suffix}").write_text(text, encoding="utf-8", errors="surrogatepass")
    db = graphnews.open(folder / "fuzz.db")
    report = db.ingest([folder])
    stats = db.stats()
    assert db.resolve_url("https://good.example/a") is not None
    assert stats["files"] + stats["rejected"] >= len(docs) + 1, (stats, report.rejected)
    assert stats["documents"] + len(report.rejected) == len(docs) + 1, (stats, report.rejected)
    assert stats["rejected"] == len(report.rejected)
    db.close()
