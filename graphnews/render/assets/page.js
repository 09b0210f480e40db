/* graphnews network page: draws the graph embedded in #graph-data with vis-network, then wires
 * the search box, the weak-edge slider and the details panel. Every text that came from the
 * corpus is put into the page with textContent, never as HTML. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var state = {
    ready: false, stabilized: false, stabilizedAt: null, readyAt: null,
    network: null, nodes: null, edges: null, search: search, setMinWeight: setMinWeight
  };
  window.graphnews = state;

  function byId(id) { return document.getElementById(id); }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  /* A tooltip as a DOM element: vis-network shows it as is, so no string is parsed as HTML. */
  function tooltip(text) {
    var box = document.createElement("div");
    box.className = "gn-tip";
    String(text).split("\n").forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line;
      box.appendChild(row);
    });
    return box;
  }

  data.nodes.forEach(function (n) { if (n.title !== undefined) { n.title = tooltip(n.title); } });
  data.edges.forEach(function (e) { if (e.title !== undefined) { e.title = tooltip(e.title); } });

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  state.nodes = nodes;
  state.edges = edges;

  function markReady() {
    if (!state.ready) {
      state.ready = true;
      state.readyAt = performance.now();
      document.body.setAttribute("data-ready", "true");
    }
  }

  var network = new vis.Network(byId("network"), { nodes: [], edges: [] }, data.options);
  state.network = network;
  network.on("stabilized", function () {
    if (!state.stabilized) {
      state.stabilized = true;
      state.stabilizedAt = performance.now();
    }
    markReady();
  });
  network.once("stabilizationIterationsDone", function () {
    /* Stop the simulation once laid out: the page is still, and dragging moves one node. */
    network.setOptions({ physics: { enabled: false } });
  });
  if (!data.physics) { network.once("afterDrawing", markReady); }
  network.setData({ nodes: nodes, edges: edges });

  /* -- the details panel ------------------------------------------------------------------ */
  function showDetails(id) {
    var panel = byId("details");
    if (!panel) { return; }
    var body = panel.querySelector(".body");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    var node = nodes.get(id);
    if (!node) {
      body.textContent = panel.getAttribute("data-empty") || "";
      return;
    }
    var name = document.createElement("div");
    name.className = "name";
    name.textContent = node.name || node.label || String(node.id);
    body.appendChild(name);
    var list = document.createElement("dl");
    (node.details || []).forEach(function (pair) {
      var dt = document.createElement("dt");
      dt.textContent = pair[0];
      var dd = document.createElement("dd");
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    body.appendChild(list);
    var url = safeUrl(node.url);
    if (url) {
      var link = document.createElement("a");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = "open the original \u2197";
      body.appendChild(link);
    }
  }

  network.on("click", function (params) {
    showDetails(params.nodes.length ? params.nodes[0] : null);
  });

  /* -- search: a node by name (exact, then prefix, then anywhere in its names) -------------- */
  function search(query) {
    var status = byId("search-status");
    var q = String(query || "").trim().toLowerCase();
    if (!q) { status.textContent = ""; network.unselectAll(); return null; }
    var all = nodes.get();
    var match = null;
    var tests = [
      function (n) { return (n.name || n.label || "").toLowerCase() === q; },
      function (n) { return (n.name || n.label || "").toLowerCase().indexOf(q) === 0; },
      function (n) { return (n.search || "").indexOf(q) !== -1; }
    ];
    for (var t = 0; t < tests.length && !match; t++) {
      for (var i = 0; i < all.length; i++) {
        if (tests[t](all[i])) { match = all[i]; break; }
      }
    }
    if (!match) {
      status.textContent = "nothing on this page matches \u201c" + query + "\u201d";
      network.unselectAll();
      showDetails(null);
      return null;
    }
    network.selectNodes([match.id]);
    network.focus(match.id, { scale: 1.1, animation: false });
    showDetails(match.id);
    status.textContent = "found: " + (match.name || match.label);
    return match.id;
  }

  var box = byId("search");
  if (box) {
    box.addEventListener("change", function () { search(box.value); });
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); search(box.value); }
    });
  }

  /* -- the slider: hide edges lighter than the chosen weight -------------------------------- */
  function describeWeight(min, shown) {
    var out = byId("min-weight-value");
    if (out) { out.textContent = min + " (" + shown + " of " + edges.length + " edges)"; }
  }

  function setMinWeight(value) {
    var min = Number(value);
    var shown = 0;
    var changes = edges.get().map(function (e) {
      var hidden = (e.weight || 0) < min;
      if (!hidden) { shown += 1; }
      return { id: e.id, hidden: hidden };
    });
    edges.update(changes);
    describeWeight(min, shown);
    return shown;
  }

  var slider = byId("min-weight");
  if (slider) {
    slider.addEventListener("input", function () { setMinWeight(slider.value); });
    describeWeight(Number(slider.value), edges.length);
  }
})();
