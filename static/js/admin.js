// Small helps for the dashboard on a phone (every page works without them):
// - the menu folds into one "メニュー" button (CSS hides the list on narrow screens only once
//   this script has marked the menu collapsible);
// - table cells get their column's heading as data-label where a template gave none, so a
//   row shown as a card on a phone still says what each value is;
// - a form with data-confirm asks its question before it is sent (revoking an invite code).
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  var nav = document.querySelector(".mainnav");
  var button = nav && nav.querySelector(".menu-toggle");
  if (button) {
    nav.classList.add("collapsible");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    });
  }
  document.querySelectorAll("main table").forEach(function (table) {
    var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!headings.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && headings[index]
            && !cell.classList.contains("actions")
            && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", headings[index]);
        }
      });
    });
  });
})();
