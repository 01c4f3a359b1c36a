// 批次 Lots: a lot's lineage as a graph (cytoscape.js). Nodes are lots, edges the splits from a lot
// into the lots made of it; selecting a lot opens its page. The page lists the same lots as links,
// for keyboards and screen readers. Once drawn, the container says how many nodes it shows
// (data-node-count) and window.suyuanLineage is the graph.
(function () {
  "use strict";

  var STYLE = [
    {
      selector: "node",
      style: {
        shape: "round-rectangle",
        "background-color": "#ffffff",
        "border-width": 2,
        "border-color": "#8a949e",
        label: "data(label)",
        "text-wrap": "wrap",
        "text-valign": "center",
        "text-halign": "center",
        "font-size": 12,
        color: "#1d232a",
        width: "label",
        height: "label",
        padding: "10px"
      }
    },
    { selector: "node.current", style: { "border-color": "#0b5cad", "border-width": 4, "background-color": "#e6f0fa" } },
    { selector: "node.recalled", style: { "border-color": "#b3261e", "border-style": "double", "border-width": 5 } },
    {
      selector: "edge",
      style: {
        width: 2,
        "line-color": "#8a949e",
        "target-arrow-color": "#8a949e",
        "target-arrow-shape": "triangle",
        "curve-style": "bezier"
      }
    }
  ];

  function elements(data) {
    var nodes = data.nodes.map(function (lot) {
      var classes = (lot.current ? "current " : "") + (lot.recalled ? "recalled" : "");
      var label = lot.lot + "\n" + lot.quantity + " " + lot.unit + (lot.holder ? " · " + lot.holder : "");
      return { group: "nodes", data: { id: lot.id, label: label, url: lot.url, current: lot.current }, classes: classes };
    });
    var edges = data.edges.map(function (split) {
      return { group: "edges", data: { id: split.source + " > " + split.target, source: split.source, target: split.target } };
    });
    return nodes.concat(edges);
  }

  function unavailable(container) {
    var note = document.createElement("p");
    note.className = "error";
    note.textContent = container.getAttribute("data-error");
    container.replaceWith(note);
  }

  function draw(container) {
    fetch(container.getAttribute("data-lineage-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("lineage: HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var cy = window.cytoscape({
          container: container,
          elements: elements(data),
          style: STYLE,
          layout: { name: "breadthfirst", directed: true, padding: 20, spacingFactor: 1.15 },
          autoungrabify: true,
          boxSelectionEnabled: false,
          minZoom: 0.3,
          maxZoom: 2.5
        });
        cy.on("tap", "node", function (event) {
          if (!event.target.data("current")) window.location.assign(event.target.data("url"));
        });
        cy.on("mouseover", "node", function () { container.classList.add("pointing"); });
        cy.on("mouseout", "node", function () { container.classList.remove("pointing"); });
        window.suyuanLineage = cy;
        container.setAttribute("data-node-count", String(cy.nodes().length));
      })
      .catch(function () { unavailable(container); });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    document.querySelectorAll("[data-lineage-src]").forEach(window.cytoscape ? draw : unavailable);
  });
})();
