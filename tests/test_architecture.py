"""The import-layer contract (.importlinter): lower layers never import higher ones.

`lint-imports` (import-linter) reads every import of graphnews/, lazy ones inside functions
included. docs/architecture.md describes the layers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")


def _lint(config: Path) -> subprocess.CompletedProcess[str]:
    if not Path(LINT).exists():
        pytest.fail("lint-imports is missing: pip install -e '.[test]'")
    return subprocess.run([LINT, "--config", str(config), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, check=False)


def test_the_layers_hold() -> None:
    result = _lint(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_check_fails_on_an_upward_import(tmp_path: Path) -> None:
    # The same contract with the store placed above the ingest that writes into it.
    text = (ROOT / ".importlinter").read_text(encoding="utf-8")
    swapped = text.replace("    store\n", "    STORE\n").replace(
        "    communities | filters | ingest | generator\n",
        "    store\n    communities | filters | ingest | generator\n").replace("    STORE\n", "")
    assert swapped != text
    config = tmp_path / "contract.ini"
    config.write_text(swapped, encoding="utf-8")
    result = _lint(config)
    assert result.returncode != 0
    assert "graphnews.ingest" in result.stdout and "BROKEN" in result.stdout


@pytest.mark.parametrize(
    ("package", "submodules"),
    [
        ("graphnews.centrality", ["glossary", "measures", "report"]),
        ("graphnews.render", ["pages", "neighborhood"]),
        ("graphnews.stories", ["detect", "stored"]),
    ],
)
def test_a_lazy_package_serves_exactly_its_submodules_names(
    package: str, submodules: list[str]
) -> None:
    # The names are read from the submodules' source (graphnews._lazy.declared_names), listed
    # once where they are defined; here they are checked against the imported modules.
    import importlib

    from graphnews._lazy import declared_names

    served = importlib.import_module(package)
    expected: set[str] = set()
    for name in submodules:
        module = importlib.import_module(f"{package}.{name}")
        assert declared_names(f"{package}.{name}") == list(module.__all__)
        expected |= set(module.__all__)
    assert set(served.__all__) == expected
    for name in served.__all__:
        assert getattr(served, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        served.nothing  # noqa: B018


def test_the_docs_show_the_layers_of_the_contract() -> None:
    def layers(lines: list[str]) -> list[str]:
        # "render/ | export/ | copy    pages, ..." -> "render | export | copy"
        modules = [re.split(r"\s{2,}", line.strip())[0] for line in lines if line.strip()]
        return [" | ".join(m.strip().rstrip("/") for m in line.split("|")) for line in modules]

    contract = (ROOT / ".importlinter").read_text(encoding="utf-8").split("layers =\n")[1]
    docs = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = docs.split("```\n", 2)[1]
    expected = layers(contract.strip().splitlines())
    assert layers(block.strip().splitlines()) == expected
    assert expected[0] == "__main__"
    assert expected[-1] == "errors | _lazy | progress | _files | _interrupt | _memory | _processes"
