/* The visitor map: Leaflet with the island's tiles, the spots, no-entry places and closed
   areas, filters by category. Without tiles (weak coverage) the markers and list still work. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var data = element.dataset;
  var center = data.center.split(",").map(Number);
  var map = L.map(element, { scrollWheelZoom: false }).setView(center, Number(data.zoom));
  var failedTiles = 0;
  var tiles = L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 18 });
  tiles.on("tileerror", function () {
    failedTiles += 1;
    if (failedTiles === 3) {
      var note = document.querySelector(".tiles-failed");
      if (note) { note.hidden = false; }
    }
  });
  tiles.addTo(map);

  var COLORS = { sight: "#1e6fa8", beach: "#0f8b8d", food: "#b9770e", toilet: "#5d6d7e",
                 port: "#2e4053", rental: "#1e7f4f", shelter: "#7d3c98", sacred: "#c0392b" };
  var layers = [];

  function text(value) { return document.createTextNode(value == null ? "" : String(value)); }

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.appendChild(text(properties.title));
    box.appendChild(title);
    var line = document.createElement("div");
    if (properties.kind === "closed_area") {
      line.appendChild(text(data.closedAreaLabel + " " + (properties.reason || "")));
    } else if (properties.access === "no_entry") {
      line.className = "no-entry";
      line.appendChild(text(data.noEntryLabel));
    } else {
      line.appendChild(text(properties.label));
      if (properties.closed_today) { line.appendChild(text(" · " + data.closedLabel)); }
    }
    box.appendChild(line);
    if (properties.url && properties.access !== "no_entry") {
      var link = document.createElement("a");
      link.href = properties.url;
      link.appendChild(text(data.detailsLabel));
      box.appendChild(link);
    }
    return box;
  }

  function draw(feature) {
    var p = feature.properties;
    var layer;
    if (p.kind === "closed_area") {
      layer = L.geoJSON(feature, { style: { color: "#c0392b", weight: 2, dashArray: "6 4",
                                            fillOpacity: 0.15 } });
      p.title = p.name;
    } else if (feature.geometry.type === "Polygon") {
      layer = L.geoJSON(feature, { style: { color: "#c0392b", weight: 2, fillOpacity: 0.3 } });
    } else {
      var lnglat = feature.geometry.coordinates;
      var noEntry = p.access === "no_entry";
      layer = L.circleMarker([lnglat[1], lnglat[0]], {
        radius: noEntry ? 9 : 8, weight: noEntry ? 3 : 2, color: "#fff",
        fillColor: noEntry ? "#c0392b" : (COLORS[p.category] || "#1e6fa8"),
        fillOpacity: p.closed_today ? 0.45 : 0.95 });
    }
    layer.bindPopup(popup(p));
    layer.category = p.kind === "closed_area" ? "" : p.category;
    layer.addTo(map);
    layers.push(layer);
  }

  function filter(category) {
    layers.forEach(function (layer) {
      var show = !category || !layer.category || layer.category === category ||
        layer.category === "sacred";
      if (show && !map.hasLayer(layer)) { layer.addTo(map); }
      if (!show && map.hasLayer(layer)) { map.removeLayer(layer); }
    });
    document.querySelectorAll(".spot-item").forEach(function (item) {
      item.hidden = Boolean(category) && item.dataset.category !== category &&
        item.dataset.category !== "sacred";
    });
    document.querySelectorAll(".chip").forEach(function (chip) {
      chip.setAttribute("aria-pressed", String(chip.dataset.category === category));
    });
  }

  document.querySelectorAll(".chip").forEach(function (chip) {
    chip.addEventListener("click", function () { filter(chip.dataset.category); });
  });

  fetch(data.spots, { headers: { "Accept": "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (collection) { collection.features.forEach(draw); })
    .catch(function () {
      var note = document.querySelector(".tiles-failed");
      if (note) { note.hidden = false; }
    });
}());
