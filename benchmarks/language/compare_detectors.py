"""Language detectors side by side on short news headlines (benchmarks/language/headlines.tsv).

Measures, for each installed detector: wheel-independent import + model load time, accuracy on
the hand-written headlines (10 languages, 6 each, written for this test), and time per headline.
Run: python benchmarks/language/compare_detectors.py  (detectors not installed are skipped).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _py3langid() -> Callable[[str], str]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: identifier.classify(text)[0]


def _langid() -> Callable[[str], str]:
    import langid

    langid.classify("warm up")
    return lambda text: langid.classify(text)[0]


def _pycld2() -> Callable[[str], str]:
    import pycld2

    return lambda text: pycld2.detect(text)[2][0][1]


def _lingua() -> Callable[[str], str]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return "un" if found is None else found.iso_code_639_1.name.lower()

    return detect


DETECTORS = {"py3langid": _py3langid, "langid": _langid, "pycld2": _pycld2, "lingua": _lingua}


def main() -> None:
    with (HERE / "headlines.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    results = {}
    for name, make in DETECTORS.items():
        if importlib.util.find_spec(name if name != "lingua" else "lingua") is None:
            continue
        start = time.perf_counter()
        detect = make()
        load = time.perf_counter() - start
        start = time.perf_counter()
        guesses = [detect(r["text"]) for r in rows]
        per = (time.perf_counter() - start) / len(rows)
        right = sum(g == r["language"] for g, r in zip(guesses, rows, strict=True))
        wrong = [f"{r['language']}->{g}" for g, r in zip(guesses, rows, strict=True)
                 if g != r["language"]]
        results[name] = {"load_s": round(load, 3), "ms_per_headline": round(per * 1000, 3),
                         "accuracy": round(right / len(rows), 3), "errors": wrong}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
