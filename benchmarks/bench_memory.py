"""Peak memory of a whole ``graphnews ingest`` process against the input size (issue 14).

For each size (default 50 MB, 200 MB and 1 GB) and each format, one input is built from the
1k generated corpus (``harness.ensure_corpus``), copied over and over with every URL moved
under its own path segment per copy (``https://host/c7/...``), so that each copy adds new
articles of the same outlets:

- ``ndjson``: one NDJSON file, one document per line (the front matter as JSON);
- ``markdown``: a folder of Markdown files with YAML front matter, 1,000 per subfolder.

Then, each in a fresh process, measured the same way:

- **graphnews**: ``python -m graphnews ingest INPUT --db NEW.db`` (its parse workers
  included);
- **CSafeLoader**: PyYAML's C loader merely loading the same documents one after another
  (each NDJSON line, each file's front matter) and keeping nothing: the floor of reading.

Peak RSS is the highest RSS of the whole process tree (the process and its parse workers
together), sampled every 20 ms from /proc. Memory is flat when the peak does not grow with the
input.

    python benchmarks/bench_memory.py                      # 50 MB, 200 MB, 1 GB
    python benchmarks/bench_memory.py --sizes 50,200       # MB
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from harness import MB, ROOT, current_rss, ensure_corpus, machine, write_results

# Every URL's host part: a copy number is put right after it.
_URL = re.compile(r"(https?://[^/\s\"']+/)")
_SAMPLE_SECONDS = 0.02

_PEER = r"""
import sys, yaml
from pathlib import Path
path, kind = Path(sys.argv[1]), sys.argv[2]
n = 0
if kind == "ndjson":
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yaml.load(line, Loader=yaml.CSafeLoader); n += 1
else:
    for f in sorted(path.rglob("*.md")):
        yaml.load(f.read_text(encoding="utf-8").split("\n---", 1)[0][4:], Loader=yaml.CSafeLoader)
        n += 1
print(n)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="50,200,1000",
        help="comma-separated input sizes in MB (default: %(default)s)",
    )
    parser.add_argument(
        "--formats",
        default="ndjson,markdown",
        help="comma-separated formats (default: %(default)s)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "graphnews-bench-memory",
        help="folder for inputs and databases (default: %(default)s)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the CSafeLoader peer")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    base = _base_documents(args.work)
    rows = []
    started = machine()
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        for kind in args.formats.split(","):
            source = _build_input(args.work, base, kind, size * MB)
            row: dict[str, Any] = {
                "format": kind,
                "size_mb": size,
                "input_mb": round(_input_bytes(source) / MB, 1),
            }
            db = args.work / f"ingest-{kind}-{size}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            row["graphnews"] = _measure(
                [
                    sys.executable,
                    "-m",
                    "graphnews",
                    "ingest",
                    str(source),
                    "--db",
                    str(db),
                    "--format",
                    "json",
                    "--silent",
                ]
            )
            if not args.no_peer:
                row["csafeloader"] = _measure([sys.executable, "-c", _PEER, str(source), kind])
            rows.append(row)
            print(json.dumps(row), flush=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(_table(rows))
    write_results("bench_memory", {"machine": started, "rows": rows})


def _base_documents(work: Path) -> list[str]:
    """The 1k generated corpus's Markdown texts (generated once into ``work``)."""
    folder = ensure_corpus(work, 1000)
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))]


def _copy(text: str, number: int) -> str:
    return _URL.sub(rf"\g<1>c{number}/", text)


def _build_input(work: Path, base: list[str], kind: str, target: int) -> Path:
    """The input of ``kind`` of at least ``target`` bytes (built once, then reused)."""
    name = f"{kind}-{target // MB}mb"
    path = work / (f"{name}.ndjson" if kind == "ndjson" else name)
    done = work / f"{name}.done"
    if done.is_file():
        return path
    if kind == "ndjson":
        import yaml

        lines = [
            json.dumps(
                yaml.load(t.split("\n---", 1)[0][4:], Loader=yaml.CSafeLoader),
                default=str,
                ensure_ascii=False,
            )
            for t in base
        ]
        written = 0
        with path.open("w", encoding="utf-8") as fh:
            number = 0
            while written < target:
                for line in lines:
                    chunk = _copy(line, number) + "\n"
                    fh.write(chunk)
                    written += len(chunk.encode("utf-8"))
                number += 1
    else:
        written = number = 0
        while written < target:
            folder = path / f"c{number:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            for i, text in enumerate(base):
                data = _copy(text, number).encode("utf-8")
                (folder / f"{i:04d}.md").write_bytes(data)
                written += len(data)
            number += 1
    done.write_text("ok\n")
    return path


def _input_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _measure(command: list[str]) -> dict[str, Any]:
    """Run ``command``; its wall and CPU seconds, peak RSS, exit code and last output line."""
    started = time.perf_counter()
    # From the checkout's own folder, so that ``-m graphnews`` runs this checkout's graphnews.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, current_rss(proc.pid))
            stop.wait(_SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "exit_code": proc.returncode,
        "seconds": round(seconds, 1),
        "peak_tree_rss_mb": round(peak / MB, 1),
    }
    try:
        body = json.loads(out)
    except ValueError:
        body = out.decode("utf-8", "replace").strip()[-200:]
    if isinstance(body, dict):  # graphnews ingest --format json
        result["documents"] = body.get("documents")
        result["rejected"] = len(body.get("rejected", []))
    else:  # the peer prints how many documents it loaded
        result["documents"] = body
    if proc.returncode != 0:
        result["error"] = err.decode("utf-8", "replace").strip()[-500:]
    return result


def _table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| format | input | graphnews ingest peak RSS | x input | seconds | "
        "CSafeLoader peak RSS | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        g, p = r["graphnews"], r.get("csafeloader", {})
        lines.append(
            f"| {r['format']} | {r['input_mb']} MB | {g['peak_tree_rss_mb']} MB | "
            f"{g['peak_tree_rss_mb'] / r['input_mb']:.2f} | {g['seconds']} | "
            f"{p.get('peak_tree_rss_mb', '-')} MB | {p.get('seconds', '-')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
