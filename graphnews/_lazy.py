"""Package attributes loaded on first use (PEP 562), so that importing a package is cheap.

The analysis packages (`graphnews.centrality`, `graphnews.stories`, `graphnews.render`) import
numpy, scipy, igraph, networkx or pyvis. Their ``__init__`` names their submodules with
`attach`; a submodule is imported when one of its names is first used, so ``from
graphnews.centrality import MEASURES`` (a light glossary) or ``import graphnews.cli`` loads none
of those libraries, while ``from graphnews.centrality import central_outlets`` works as it
always did. This is the scheme of scientific Python's ``lazy_loader.attach`` (SPEC 1), in a few
lines. The names a package serves are its submodules' own ``__all__``, read from their source
without importing them: each name is listed once, where it is defined.

>>> getattr_, dir_, names = attach("json", {"decoder": ["JSONDecodeError"]})
>>> getattr_("JSONDecodeError").__name__, names
('JSONDecodeError', ['JSONDecodeError'])
>>> import graphnews.centrality
>>> declared_names("graphnews.centrality.report")
['CentralityReport', 'OutletCentrality', 'Reason', 'central_outlets']
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["attach", "declared_names"]


def attach(
    package: str, exports: Mapping[str, Sequence[str] | None]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """A package's ``__getattr__``, ``__dir__`` and the names they serve.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Submodule name (relative to ``package``) -> the public names it provides, or None for
        all of its ``__all__`` (a literal list in its source).
    """
    home = {
        name: submodule
        for submodule, names in exports.items()
        for name in (names if names is not None else declared_names(f"{package}.{submodule}"))
    }

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home[name]}"), name)
        module = sys.modules.get(package)
        if module is not None:  # later lookups find it without calling us again
            setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        module = sys.modules.get(package)
        return sorted(set(home) | set(vars(module) if module is not None else ()))

    return __getattr__, __dir__, sorted(home)


def declared_names(module: str) -> list[str]:
    """The ``__all__`` of ``module`` read from its source, without importing it.

    Raises
    ------
    ImportError
        When the module has no ``__all__`` written as a literal list of names.
    """
    package, _, name = module.rpartition(".")
    folder = Path(sys.modules[package].__path__[0])  # the package is imported (it is asking)
    source = folder / f"{name}.py"
    if not source.exists():
        source = folder / name / "__init__.py"
    text = source.read_text(encoding="utf-8")
    start = text.find("\n__all__ = [")
    end = text.find("]", start)
    if start < 0 or end < 0:
        raise ImportError(f"{module} has no literal __all__ to serve lazily")
    return re.findall(r"\"(\w+)\"", text[start:end])
