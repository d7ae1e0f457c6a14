/* A "print" button for printable pages (the receipt), without inline script. */
(function () {
  "use strict";
  var button = document.getElementById("print-receipt");
  if (!button || !window.print) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
}());
