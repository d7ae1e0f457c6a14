/* The spot form: a click on the map puts that position into latitude and longitude. */
(function () {
  "use strict";
  var element = document.getElementById("spot-map");
  if (!element || typeof L === "undefined") { return; }
  var latitude = document.getElementById("latitude");
  var longitude = document.getElementById("longitude");
  var center = element.dataset.center.split(",").map(Number);
  var map = L.map(element).setView(center, 16);
  L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 })
    .addTo(map);
  var marker = null;
  function place(lat, lng) {
    if (marker) { marker.setLatLng([lat, lng]); } else { marker = L.marker([lat, lng]).addTo(map); }
  }
  if (latitude.value && longitude.value) { place(Number(latitude.value), Number(longitude.value)); }
  map.on("click", function (event) {
    latitude.value = event.latlng.lat.toFixed(6);
    longitude.value = event.latlng.lng.toFixed(6);
    place(event.latlng.lat, event.latlng.lng);
  });
}());
