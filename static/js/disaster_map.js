/* Disaster mode (admin): those needing help on a map, from the data-points attribute. */
(function () {
  "use strict";
  var element = document.getElementById("help-map");
  if (!element || typeof L === "undefined") { return; }
  var data = element.dataset;
  var center = data.center.split(",").map(Number);
  var map = L.map(element, { scrollWheelZoom: false }).setView(center, 14);
  L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 18 }).addTo(map);
  var points = JSON.parse(data.points || "[]");
  var bounds = [];
  points.forEach(function (point) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = point.name;
    box.appendChild(name);
    if (point.what) { box.appendChild(document.createTextNode(" " + point.what)); }
    L.circleMarker([point.lat, point.lng], { radius: 9, color: "#c0392b", fillOpacity: 0.8 })
      .bindPopup(box).addTo(map);
    bounds.push([point.lat, point.lng]);
  });
  if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24] }); }
}());
