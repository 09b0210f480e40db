from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphnews.ingest.reader import Document, Rejected, _suffix, expand_inputs, read_bytes
from graphnews.ingest.records import RecordError, to_record
from tests.conftest import DATA, SEEDS, shared


def _front_matter(text: str) -> str:
    return text.split("\n---", 1)[0].split("---\n", 1)[1]


def test_yaml_rs_matches_pyyaml_on_every_real_document() -> None:
    files = sorted(shared().glob("*/*.md")) + sorted(SEEDS.glob("*.md"))
    assert len(files) >= 300
    for path in files:
        text = path.read_text(encoding="utf-8")
        (doc,) = read_bytes(str(path), text.encode("utf-8"))
        assert isinstance(doc, Document), path
        assert doc.fields == yaml.load(_front_matter(text), Loader=yaml.SafeLoader), path


def test_markdown_document_keeps_every_field_and_its_line() -> None:
    path = SEEDS / "000_8ffd7cabeec5d02a.md"
    (doc,) = read_bytes(str(path), path.read_bytes())
    assert isinstance(doc, Document)
    assert doc.line == 2 and doc.format == "markdown"
    assert doc.raw == path.read_text(encoding="utf-8")
    assert doc.fields["secured"].startswith("u/zlNr")
    assert len(doc.fields["related"]) == 5
    assert doc.line_of("publishedDateTime") == 5
    # related item 5 (index 4) is the Zawya press release, written at line 97 of the file
    assert path.read_text().split("\n")[doc.related_line(4) - 1].strip().startswith("- title:")
    assert "CWallet" in path.read_text().split("\n")[doc.related_line(4) - 1]


def test_json_page_file_yields_each_record_with_its_line() -> None:
    path = DATA / "ai-ethics-page-1.json"
    text = path.read_text(encoding="utf-8")
    docs = list(read_bytes(str(path), path.read_bytes()))
    values = json.loads(text)["value"]
    assert len(docs) == len(values) > 1
    for doc, value in zip(docs, values, strict=True):
        assert isinstance(doc, Document)
        assert doc.fields == value
        assert json.loads(doc.raw) == value
        assert text.split("\n")[doc.line - 1].strip() == "{"
        record, problems = to_record(doc)
        assert problems == []
    record, _ = to_record(docs[0])
    assert record.published == "2021-08-12T02:33:00Z"  # -07:00 converted to UTC


def test_json_list_and_ndjson() -> None:
    items = [{"title": "A", "webUrl": "https://a.com/1"}, {"title": "B", "webUrl": "https://b.com/2"}]
    listed = list(read_bytes("x.json", json.dumps(items, indent=1).encode()))
    assert [d.fields for d in listed] == items
    nd = "\n".join(json.dumps(i) for i in items) + "\n\nnot json\n"
    docs = list(read_bytes("x.ndjson", nd.encode()))
    assert [d.fields for d in docs[:2]] == items and [d.line for d in docs[:2]] == [1, 2]
    assert isinstance(docs[2], Rejected) and docs[2].problem.line == 4


def test_broken_json_file_is_one_rejection_with_its_line() -> None:
    (bad,) = read_bytes("x.json", b'[\n  {"title": "A",\n   "webUrl": }\n]')
    assert isinstance(bad, Rejected)
    assert bad.problem.line == 3 and "not valid JSON" in bad.problem.message


def test_expand_inputs_walks_folders_and_globs(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.md").write_text("---\n---\n")
    (tmp_path / "a" / "y.json").write_text("[]")
    (tmp_path / "a" / "skip.png").write_bytes(b"")
    paths, problems = expand_inputs([tmp_path, str(tmp_path / "a" / "*.md"), tmp_path / "nope"])
    assert [Path(p).name for p in paths] == ["x.md", "y.json"]
    assert len(problems) == 1 and problems[0].message == "no such file or folder"


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
_yamlish = st.lists(
    st.sampled_from(["---", "title: x", "webUrl: https://a.com/x", "related:", "  - title: y",
                     "    webUrl: 'https://b.com/y'", "publishedDateTime: 2022-06-01T00:00:00Z",
                     "publishedDateTime: soon", "topics: [a, b", "&a [1]", "*a", "- x", ": :",
                     "provider: {name: A, domain: a.com}", "\t", '"unclosed', "..."]),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_text, _yamlish, st.binary(max_size=200)), st.sampled_from(["x.md", "x.json"]))
def test_reader_never_raises_on_arbitrary_input(data: str | bytes, name: str) -> None:
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    for item in read_bytes(name, raw):
        if isinstance(item, Rejected):
            assert item.problem.line >= 1 and item.problem.message
            continue
        try:
            record, problems = to_record(item)
        except RecordError as exc:
            assert exc.line >= 1 and exc.message
        else:
            assert record.canonical_url.startswith("https://")
            assert all(p.line >= 1 for p in problems)


@given(st.text(alphabet="ab.MDjsonTXT\u00c9", min_size=1, max_size=12).filter(
    lambda name: not name.startswith(".")))
def test_suffix_is_splitexts(name: str) -> None:
    assert _suffix(name) == os.path.splitext(name)[1].lower()
