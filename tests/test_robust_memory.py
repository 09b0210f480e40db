"""Bounded memory (issue 14): a large input is read as a stream, never held whole.

Each case runs ``graphnews ingest`` as its own process and reads its peak resident set size
(``getrusage`` in a small parent process, so that the high-water mark is not the test
process's own, inherited through fork). A 60 MB input must not raise it by more than 30 MB over
the same command on a one-document input. Before streaming it rose by 180-240 MB: the file's
bytes, its decoded text, its split lines and every parsed record were held at once.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graphnews.ingest.jsonstream import TextStream, json_records
from graphnews.ingest.reader import DEFAULT_MAX_SIZE

DOCUMENTS = 60
# One document of ~1 MB: a long field only the stored raw text keeps (it compresses well, so the
# database stays small and SQLite's page cache does not grow with it).
BODY = "lorem ipsum dolor sit amet " * 40_000
GROWTH_LIMIT_MB = 30


def _record(n: int) -> dict[str, object]:
    return {"title": f"Story {n}", "webUrl": f"https://example.com/news/{n}", "body": BODY}


# Runs the command given as arguments, then prints its peak RSS in KB on standard error.
_MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
)


def _peak_mb(tmp_path: Path, source: Path, name: str) -> tuple[float, dict[str, object]]:
    """Peak RSS (MB) of ``graphnews ingest source`` into a new database, and its JSON report."""
    command = [
        sys.executable,
        "-c",
        _MEASURE,
        sys.executable,
        "-m",
        "graphnews",
        "ingest",
        str(source),
        "--db",
        str(tmp_path / f"{name}.db"),
        "--format",
        "json",
        "--silent",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return int(done.stderr.split()[-1]) / 1024, json.loads(done.stdout)


def _baseline(tmp_path: Path) -> float:
    small = tmp_path / "small.ndjson"
    small.write_text(json.dumps(_record(0)) + "\n", encoding="utf-8")
    peak, report = _peak_mb(tmp_path, small, "small")
    assert report["documents"] == 1
    return peak


@pytest.mark.parametrize("layout", ["ndjson", "json-list", "page"])
def test_a_large_json_input_is_read_in_bounded_memory(tmp_path: Path, layout: str) -> None:
    big = tmp_path / f"big.{'ndjson' if layout == 'ndjson' else 'json'}"
    records = (_record(n) for n in range(1, DOCUMENTS + 1))
    with big.open("w", encoding="utf-8") as fh:
        if layout == "ndjson":
            fh.writelines(json.dumps(r) + "\n" for r in records)
        else:
            fh.write('{"page": 1, "value": [\n' if layout == "page" else "[\n")
            for n, record in enumerate(records):
                fh.write((",\n" if n else "") + json.dumps(record, indent=1))
            fh.write("\n]}\n" if layout == "page" else "\n]\n")
    assert big.stat().st_size > 50_000_000
    base = _baseline(tmp_path)
    peak, report = _peak_mb(tmp_path, big, "big")
    assert report["documents"] == DOCUMENTS and report["rejected"] == []
    assert peak - base < GROWTH_LIMIT_MB, (layout, base, peak)
    with sqlite3.connect(tmp_path / "big.db") as conn:
        lines = [r[0] for r in conn.execute("SELECT line FROM documents ORDER BY position")]
    assert len(lines) == DOCUMENTS and lines == sorted(lines) and len(set(lines)) == DOCUMENTS


def test_a_large_rejected_file_is_not_held_and_keeps_only_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("w", encoding="utf-8") as fh:
        fh.write("---\ntitle: big\nwebUrl: https://example.com/big\nbody: ")
        fh.writelines(BODY for _ in range(55))
        fh.write("\n---\n")
    assert big.stat().st_size > 50_000_000
    base = _baseline(tmp_path)
    peak, report = _peak_mb(tmp_path, big, "big")
    (problem,) = report["rejected"]
    assert "more than the limit" in problem["message"] and problem["line"] == 1
    assert peak - base < GROWTH_LIMIT_MB, (base, peak)
    with sqlite3.connect(tmp_path / "big.db") as conn:
        (raw,) = conn.execute("SELECT raw FROM quarantine").fetchone()
    with big.open("rb") as fh:
        assert raw == fh.read(DEFAULT_MAX_SIZE)


_STREAMS = [
    b'[{"a": 1}, {"b": "x\\"y]}"}]',
    b'{"a": 1}\n{"b": 2}\n\nnot json\n{"c": [1, 2]}',
    b'{\n "page": 1,\n "value": [\n  {"a": "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb0"},'
    b'\n  {"b": 2}\n ]\n}\n',
    b'{"value": [{"a": 1}], "page": 3}',
    b'[\n  {"title": "A",\n   "webUrl": }\n, {"ok": true}]',
    b'[1,,2, "\\\\", 3.5e3]',
    b'\xef\xbb\xbf[{"a": 1}, \xff{"b": 2}]',
    b'[{"deep": ' + b"[" * 1200 + b"]" * 1200 + b'}, {"after": 1}]',
    b'[{"big": "' + b"x" * 300 + b'"}, {"small": 1}, ' + b"9" * 300 + b", 4]",
    b'{"big": "' + b"y" * 300 + b'"}\n{"small": 1}\n',
    b'{"small": 0}\n{"big": "' + b"y" * 300 + b'"}\n{"small": 1}\n',
    b"[",
]


@pytest.mark.parametrize("data", _STREAMS)
def test_chunk_boundaries_never_change_what_is_read(data: bytes) -> None:
    """Read one byte (or 2, 3, 7 bytes) at a time, a stream gives what it gives read whole."""

    def records(chunk: int) -> list[tuple[object, ...]]:
        stream = TextStream(io.BytesIO(data), chunk=chunk)
        return [tuple(r) for r in json_records(stream, max_size=200)]

    whole = records(1 << 20)
    assert whole
    for chunk in (1, 2, 3, 7):
        assert records(chunk) == whole, chunk


_JSONISH = st.lists(
    st.sampled_from(
        [
            '{"a": 1}',
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            '"page"',
            '"value"',
            '"x\\"',
            "\n",
            " ",
            "1",
            "nul",
            "\xe9",
            "\ud7ff",
            '"',
            "\\",
            "\ufeff",
        ]
    ),
    max_size=30,
).map(lambda parts: "".join(parts).encode("utf-8"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_JSONISH, st.binary(max_size=60)))
@example(b'{"page":')  # an API page cut after its first key: the text ended before the value
@example(b'{{"a": 1}{"a": 1}{"a": 1}]')  # invalid and over the limit: the limit is what is said
def test_any_input_reads_the_same_one_byte_at_a_time(data: bytes) -> None:
    def records(chunk: int) -> list[tuple[object, ...]]:
        stream = TextStream(io.BytesIO(data), chunk=chunk)
        return [tuple(r) for r in json_records(stream, max_size=20)]

    assert records(1) == records(1 << 20)
