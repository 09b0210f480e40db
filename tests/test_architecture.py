"""The import-layer contract (.importlinter): lower layers never import higher ones.

`lint-imports` (import-linter) reads every import of graphnews/, lazy ones inside functions
included. docs/architecture.md describes the layers.
"""

from __future__ import annotations

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
