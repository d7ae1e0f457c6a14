// The dashboard's menu on a phone: one "メニュー" button that opens the list (CSS hides the
// list on narrow screens only once this script has run, so without it the menu still shows).
(function () {
  "use strict";
  var nav = document.querySelector(".mainnav");
  if (!nav) { return; }
  var button = nav.querySelector(".menu-toggle");
  if (!button) { return; }
  nav.classList.add("collapsible");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  });
})();
