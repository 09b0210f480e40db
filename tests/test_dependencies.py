"""What a newcomer's fresh install gets: every import declared, the CLI cheap to start.

The dependency check is deptry over ``graphnews/`` with the settings in pyproject.toml: a
third-party import that pyproject.toml does not declare (as ``click`` once was) fails here, and so
does a declared dependency that nothing imports.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _deptry(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deptry", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_import_is_declared_and_every_dependency_used() -> None:
    result = _deptry(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_fails_on_an_undeclared_import(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(ROOT / "graphnews", project / "graphnews")
    module = project / "graphnews" / "errors.py"
    module.write_text(module.read_text() + "\nimport click  # noqa\n", encoding="utf-8")
    result = _deptry(project)
    assert result.returncode == 1
    assert "'click'" in result.stdout + result.stderr
