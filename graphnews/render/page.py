"""One self-contained, offline HTML page: `GraphPage`, a pyvis `Network` with its own template.

pyvis's template loads bootstrap from a CDN even with ``cdn_resources="in_line"``; this module
renders its own templates (``graphnews/render/templates``) instead, with the vis-network bundle
and stylesheet that ship inside the pyvis package and graphnews's page script and styles
(``graphnews/render/assets``) inlined. A Content-Security-Policy allows those inline scripts and
styles by hash and nothing else. What the pages show is `graphnews.render`'s business.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import os
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import pyvis
from markupsafe import Markup
from pyvis.edge import Edge
from pyvis.network import Network

from graphnews._files import write_text

__all__ = ["OTHER_COLOUR", "PALETTE", "GraphPage", "node_colour", "render_page"]

#: Colours of the ten largest communities (or outlets, on a story page); the rest are grey.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#17becf")
OTHER_COLOUR = "#b8bec9"

_VIS_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"


class GraphPage(Network):
    """A pyvis `Network` that writes one self-contained, offline HTML page.

    Use it like any pyvis network (``add_node``, ``add_edge``, ``set_options``); ``write_html``
    and ``generate_html`` produce graphnews's own page (search box, weak-edge slider, legend,
    details panel) with every script and style inlined, and a notebook shows it inline.

    Parameters
    ----------
    title : str
        The page's heading.
    caption : str
        One line under the heading (what is shown, e.g. "showing 100 of 2,345 outlets").
    noun : str
        What a node is, for the search box ("outlet", "topic", "article").
    directed : bool
        Draw arrows.

    Examples
    --------
    >>> page = GraphPage(title="Two nodes")
    >>> page.add_node("a", label="<b>A</b>", title="A\\n3 articles")
    >>> page.add_node("b", label="B")
    >>> page.add_edge("a", "b", weight=2, value=2)
    >>> text = page.generate_html()
    >>> "<b>A</b>" in text, "&lt;b&gt;A&lt;/b&gt;" in text
    (False, True)
    """

    def __init__(self, *, title: str, caption: str = "", noun: str = "node",
                 directed: bool = False) -> None:
        super().__init__(height="74vh", width="100%", directed=directed, heading=title,
                         cdn_resources="in_line")
        self.title = title
        self.caption = caption
        self.noun = noun
        #: (css class, text) rows of the legend; css classes ``c0``..``c9`` and ``other``.
        self.legend: list[tuple[str, str]] = []
        #: Sentences under the legend (how size, colour and width are chosen).
        self.notes: list[str] = []
        #: (href, text) links in the page header; set by `render_site`.
        self.nav: list[tuple[str, str]] = []
        #: The template and any extra values it needs (the story page adds its curve).
        self.template_name = "network.html"
        self.context: dict[str, Any] = {"network_class": ""}
        self.physics = True
        self._edge_keys: set[tuple[Any, Any]] = set()

    def add_edge(self, source: Any, to: Any, **options: Any) -> None:
        """Add an edge (once per node pair unless directed), like `pyvis.network.Network`.

        pyvis scans every edge for a duplicate; this keeps a set, so a page with thousands
        of edges builds in milliseconds.
        """
        if source not in self.node_map or to not in self.node_map:
            missing = source if source not in self.node_map else to
            raise ValueError(f"non existent node {missing!r}")
        key = (source, to) if self.directed or source <= to else (to, source)
        if key in self._edge_keys:
            return
        self._edge_keys.add(key)
        self.edges.append(Edge(source, to, self.directed, **options).options)

    def generate_html(self, name: str = "index.html", local: bool = True,
                      notebook: bool = False) -> str:
        """The page as one HTML string (``name``, ``local``, ``notebook`` as in pyvis; unused)."""
        weights = [e.get("weight") for e in self.edges if isinstance(e.get("weight"), int | float)]
        names = sorted({str(n.get("name") or n.get("label") or n["id"]) for n in self.nodes})
        graph = {"nodes": self.nodes, "edges": self.edges, "options": self._options(),
                 "physics": self.physics}
        self.html = render_page(
            self.template_name, title=self.title, caption=self.caption, nav=self.nav,
            noun=self.noun, names=names, legend=self.legend, notes=self.notes, graph=graph,
            weights=(math.floor(min(weights)), math.ceil(max(weights))) if weights else None,
            network=True, **self.context)
        return self.html

    def write_html(self, name: str | os.PathLike[str], local: bool = True, notebook: bool = False,
                   open_browser: bool = False) -> None:
        """Write the page to ``name`` (UTF-8); the pyvis flags are accepted and ignored."""
        write_text(name, self.generate_html())

    def _repr_html_(self) -> str:
        """Inline display in Jupyter: the page in a sandboxed ``srcdoc`` iframe."""
        return (f'<iframe sandbox="allow-scripts" style="width:100%;height:640px;border:0" '
                f'srcdoc="{html.escape(self.generate_html(), quote=True)}"></iframe>')

    def _options(self) -> dict[str, Any]:
        if not isinstance(self.options, dict):  # pyvis's defaults, unless set_options was used
            return _vis_options(physics=self.physics, directed=self.directed,
                                edges=len(self.edges))
        return self.options


def _vis_options(*, physics: bool, directed: bool, edges: int) -> dict[str, Any]:
    """vis-network options, chosen so a page is still and usable as soon as it shows."""
    return {
        "autoResize": True,
        "nodes": {"shape": "dot", "borderWidth": 1,
                  "scaling": {"min": 8, "max": 46,
                              "label": {"enabled": True, "min": 11, "max": 20}},
                  "font": {"size": 13, "face": "system-ui, sans-serif",
                           "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"smooth": False, "color": {"color": "#aab2bf", "highlight": "#2257a8",
                                             "hover": "#2257a8", "opacity": 0.7},
                  "scaling": {"min": 1, "max": 9},
                  "arrows": {"to": {"enabled": directed, "scaleFactor": 0.5}}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": edges > 1500,
                        "navigationButtons": False, "keyboard": False},
        # Positions come precomputed; physics (small pages only) just settles them, before
        # the first paint, and is switched off when done.
        "physics": {"enabled": physics, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110,
                                         "avoidOverlap": 0.4},
                    "stabilization": {"enabled": True, "iterations": 300, "fit": True}},
        "layout": {"improvedLayout": False},
    }


@cache
def _asset_text(name: str) -> str:
    """An inlined asset: ``vis`` (pyvis's vis-network bundle), ``page.js``, ``page.css``."""
    if name == "vis":
        return (_VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8")
    if name == "vis.css":
        return (_VIS_DIR / "vis-network.css").read_text(encoding="utf-8")
    text = files("graphnews.render").joinpath("assets", name).read_text(encoding="utf-8")
    if name == "page.css":  # the palette as classes: a CSP without 'unsafe-inline' styles
        text += "".join(f".c{i}{{background:{c}}}\n" for i, c in enumerate(PALETTE))
        text += f".other{{background:{OTHER_COLOUR}}}\n"
    return text


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("graphnews.render", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_page(template: str, *, network: bool, **context: Any) -> str:
    """Render a template of ``graphnews/render/templates`` as one self-contained page.

    Its styles (and, for a ``network`` page, vis-network and the page script) are inlined and
    allowed by hash in the page's Content-Security-Policy; nothing else may run or load.
    """
    from graphnews import __version__

    styles = [_asset_text("vis.css"), _asset_text("page.css")] if network else \
        [_asset_text("page.css")]
    scripts = [_asset_text("vis"), _asset_text("page.js")] if network else []
    csp = "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(_csp_hash(s) for s in scripts) if scripts else
        "script-src 'none'",
        "style-src " + " ".join(_csp_hash(s) for s in styles),
        "base-uri 'none'", "form-action 'none'",
    ])
    return _environment().get_template(template).render(
        csp=Markup(csp), version=__version__, styles=[Markup(s) for s in styles],
        scripts=[Markup(s) for s in scripts], **context)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def node_colour(css_class: str) -> dict[str, Any]:
    """The vis-network colour of a node in legend class ``c0``..``c9`` or ``other``."""
    colour = PALETTE[int(css_class[1:])] if css_class.startswith("c") else OTHER_COLOUR
    return {"background": colour, "border": "#3b4252",
            "highlight": {"background": colour, "border": "#111111"},
            "hover": {"background": colour, "border": "#111111"}}
