"""The command line starts cheaply: no analysis library is loaded before a command needs it.

numpy, scipy, igraph, networkx and pyvis (which brings IPython) cost most of a second to
import; ``--help``, ``stats``, ``search``, ``article`` and ``sql`` need none of them, so a
database command answers about as fast as ``sqlite-utils query`` (benchmarks/bench_startup.py
measures it). Each check runs in a new interpreter, as a user's command does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "scipy", "igraph", "networkx", "pyvis", "IPython")
SEED_URL = "https://www.siliconrepublic.com/enterprise/facial-recognition-microsoft-azure-ai"


def _heavy_after(code: str) -> set[str]:
    """The heavy libraries in ``sys.modules`` after running ``code`` in a new interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(result.stdout.split())


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeds") / "graphnews.db"
    subprocess.run(
        [sys.executable, "-m", "graphnews", "ingest", str(ROOT / "seeds"), "--db", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _heavy_after("import graphnews.cli") == set()


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: a command that needs networkx does load it."""
    assert "networkx" in _heavy_after("import graphnews.graph")


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["stats"],
        ["search", "facial recognition"],
        ["article", SEED_URL],
        ["sql", "select count(*) from articles"],
    ],
    ids=lambda args: args[0],
)
def test_database_commands_load_no_heavy_library(seeds_db: Path, args: list[str]) -> None:
    db = [] if args == ["--help"] else ["--db", str(seeds_db)]
    code = (
        "from typer.testing import CliRunner\n"
        "from graphnews.cli import app\n"
        f"result = CliRunner().invoke(app, {[*args, *db]!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "assert result.output.strip()\n"
    )
    assert _heavy_after(code) == set()


def test_analysis_names_still_import_from_their_packages() -> None:
    """The packages load their analysis modules on first use, under the same public names."""
    code = (
        "from graphnews.centrality import central_outlets, MEASURES\n"
        "from graphnews.stories import detect_stories, get_story, DEFAULT_RESOLUTION\n"
        "from graphnews.render import render_site, GraphPage, DEFAULT_TOP\n"
        "import graphnews.centrality as c\n"
        "assert 'central_outlets' in dir(c) and 'central_outlets' in c.__all__\n"
    )
    assert _heavy_after(code) >= {"numpy", "networkx", "pyvis"}
