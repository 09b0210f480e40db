"""The README's promises hold: its two commands are what CI runs, its Python example runs, and
every command has help text with an example and is documented."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.main import get_command

from graphnews.cli import app
from tests.conftest import ROOT, SEEDS

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = README + "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None and README.index("```bash") < 40
    install_and_run, test = first_block.group(1).strip().split("\n")
    assert install_and_run == "pip install -e . && graphnews run seeds/"
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci
    # ... inside a virtual environment made new for the run, never the machine's site-packages
    fresh = ci.index('python3 -m venv "$work/venv"')
    assert fresh < ci.index('. "$work/venv/bin/activate"') < ci.index(test)


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"```python\n(.*?)```", README, re.S)
    assert block is not None
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    assert os.path.exists(tmp_path / "output" / "graphnews.db")
    assert namespace["report"].documents == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_documented(name: str) -> None:
    command = get_command(app).commands[name]  # type: ignore[attr-defined]
    assert command.help and len(command.help) > 40, name
    assert "Example" in command.help or "example" in command.help, name
    assert f"graphnews {name}" in DOCS, f"'graphnews {name}' is not in README.md or docs/"
