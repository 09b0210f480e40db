"""One name per concept on the command line (docs/cli.md).

The table of every command's options is derived from the typer app itself and compared with
docs/cli.md, where each name has one row and one meaning. Beside that, what a machine can check
on its own: a short flag stands for one long name everywhere, and one name always takes one kind
of value. The old names kept as hidden aliases still work, say so on stderr, and give what the
new name gives.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from graphnews.cli import app
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
runner = CliRunner()


# Duck-typed click objects: typer 0.29 carries its own copy of click, older typers use click's.
Option = Any


def _options() -> list[tuple[str, Option]]:
    """Every option of every command, as (command path, option), subcommands included.

    Each option carries ``kind``: the kind of value its parameter is declared to take.
    """
    found: list[tuple[str, Option]] = []

    def walk(command: Any, path: list[str]) -> None:
        hints = typing.get_type_hints(inspect.unwrap(command.callback)) if command.callback else {}
        for param in command.params:
            if param.param_type_name == "option":
                param.kind = _kind(hints[param.name])
                found.append((" ".join(path), param))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return found


def _long_name(option: Option) -> str:
    return next(n for n in option.opts if n.startswith("--"))


def _kind(annotation: Any) -> str:
    """The kind of value a parameter takes: bool, int, float, Path or text (str, a choice)."""
    inner = [a for a in typing.get_args(annotation) if a is not type(None)]  # X | None, list[X]
    if inner:
        return _kind(inner[0])
    return annotation.__name__ if annotation in (bool, int, float, Path) else "text"


def _doc_rows(heading: str | None) -> list[list[str]]:
    """The rows of the table after ``heading`` (the first table when None), cells stripped."""
    text = DOC if heading is None else DOC[DOC.index(heading) :]
    table = re.search(r"\n(\|.*\|\n)+", text)
    assert table is not None
    lines = table.group(0).strip().splitlines()[2:]  # no header, no |---|
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def _names(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


def test_the_options_table_in_the_docs_is_the_apps() -> None:
    derived: dict[str, tuple[set[str], set[str]]] = {}
    for path, option in _options():
        if option.hidden:
            continue
        name = _long_name(option)
        also, commands = derived.setdefault(name, (set(), set()))
        also.update(n for n in (*option.opts, *option.secondary_opts) if n != name)
        commands.add(path)
    rows = _doc_rows(None)
    documented = [_names(row[0]).pop() for row in rows]
    assert len(documented) == len(set(documented)), "an option has two rows (two meanings)"
    assert all(row[2] for row in rows), "every option says what it means"
    assert {
        _names(option).pop(): (_names(also), {c.strip() for c in commands.split(",")})
        for option, also, _, commands in rows
    } == derived


def test_a_short_flag_is_one_long_name_everywhere() -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    for _, option in _options():
        for short in (n for n in option.opts if not n.startswith("--")):
            meanings[short].add(_long_name(option))
    assert {short: names for short, names in meanings.items() if len(names) > 1} == {}
    assert meanings["-n"] == {"--top"}


def test_a_name_takes_one_kind_of_value_everywhere() -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    for _, option in _options():
        if not option.hidden:
            kinds[_long_name(option)].add(option.kind)
    assert {name: k for name, k in kinds.items() if len(k) > 1} == {}
    assert (kinds["--top"], kinds["--since"], kinds["--silent"]) == ({"int"}, {"text"}, {"bool"})


def test_every_old_name_is_documented_and_hidden_beside_its_new_name() -> None:
    derived = set()
    for path, option in _options():
        if option.hidden:
            new = re.fullmatch(r"Old name of (--[\w-]+)\.", option.help or "")
            assert new is not None, (path, option.opts)
            command = next(o for p, o in _options() if p == path and _long_name(o) == new[1])
            assert f"(Old name: {_long_name(option)}.)" in (command.help or "")
            derived.add((_long_name(option), path, new[1]))
    documented = {
        (_names(old).pop(), command, _names(new).pop())
        for old, command, new, _ in _doc_rows("## Old names")
    }
    assert documented == derived
    assert len(derived) == 7


def test_a_command_never_has_one_name_twice() -> None:
    by_command: dict[str, set[str]] = defaultdict(set)
    for path, option in _options():
        by_command[path].add(_long_name(option))
    for path, names in by_command.items():
        assert len(names) == len([o for p, o in _options() if p == path]), path


def _invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (("search", "the", "--top", "2"), ("search", "the", "--limit", "2")),
        (
            ("sql", "SELECT domain FROM outlets ORDER BY domain", "--top", "3"),
            ("sql", "SELECT domain FROM outlets ORDER BY domain", "--limit", "3"),
        ),
        (("neighbors", "nbcnews.com", "--top", "4"), ("neighbors", "nbcnews.com", "--limit", "4")),
        (("outlet", "nbcnews.com", "--top", "1"), ("outlet", "nbcnews.com", "--limit", "1")),
        (
            ("outlets", "--rank-by", "betweenness", "-n", "3"),
            ("outlets", "--by", "betweenness", "-n", "3"),
        ),
    ],
)
def test_an_old_name_gives_what_the_new_name_gives_and_warns(
    real_db_path: Path, new: tuple[str, ...], old: tuple[str, ...]
) -> None:
    db = ("--db", str(real_db_path), "-f", "json")
    by_new, by_old = _invoke(*new, *db), _invoke(*old, *db)
    assert by_new.exit_code == by_old.exit_code == 0, by_old.output
    assert json.loads(by_old.stdout) == json.loads(by_new.stdout)
    old_name = next(a for a in old if a.startswith("--") and a not in new)
    new_name = next(a for a in new if a.startswith("--") and a not in old)
    assert f"warning: {old_name} is the old name of {new_name}" in by_old.stderr
    assert "warning" not in by_new.stderr
    shown = json.loads(by_new.stdout)
    if isinstance(shown, list):  # --top really cuts the list
        assert 0 < len(shown) == int(new[-1])


def test_the_old_names_of_render_still_work(real_db_path: Path, tmp_path: Path) -> None:
    db = ("--db", str(real_db_path), "--stories", "0", "-f", "json")
    by_new = _invoke(
        "render",
        "-o",
        str(tmp_path / "new"),
        "--rank-by",
        "articles",
        "--community-resolution",
        "2.5",
        *db,
    )
    by_old = _invoke(
        "render", "-o", str(tmp_path / "old"), "--size-by", "articles", "--resolution", "2.5", *db
    )
    assert by_new.exit_code == by_old.exit_code == 0, by_old.output
    assert "--resolution is the old name of --community-resolution" in by_old.stderr
    assert "--size-by is the old name of --rank-by" in by_old.stderr
    for page in ("outlets.html", "topics.html"):
        new_page = (tmp_path / "new" / page).read_text(encoding="utf-8")
        assert "resolution 2.5" in new_page and "Node size: articles" in new_page
        assert (tmp_path / "old" / page).read_text(encoding="utf-8") == new_page
