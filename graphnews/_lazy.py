"""Package attributes loaded on first use (PEP 562), so that importing a package is cheap.

The analysis packages (`graphnews.centrality`, `graphnews.stories`, `graphnews.render`,
`graphnews.export`) import numpy, scipy, igraph, networkx or pyvis. Their ``__init__`` names
what each submodule provides with `attach`; a submodule is imported when one of its names is
first used, so ``from graphnews.centrality import MEASURES`` (a light glossary) or
``import graphnews.cli`` loads none of those libraries, while ``from graphnews.centrality
import central_outlets`` works as it always did. This is the scheme of scientific Python's
``lazy_loader.attach`` (SPEC 1), in a few lines.

>>> import sys
>>> getattr_, dir_, names = attach("json", {"decoder": ["JSONDecodeError"]})
>>> getattr_("JSONDecodeError").__name__, names
('JSONDecodeError', ['JSONDecodeError'])
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["attach"]


def attach(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """A package's ``__getattr__``, ``__dir__`` and the names they serve.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Submodule name (relative to ``package``) -> the public names it provides.
    """
    home = {name: submodule for submodule, names in exports.items() for name in names}

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
