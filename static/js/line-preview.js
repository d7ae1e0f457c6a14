// The LINE preview of a notice: a Flex text's colour comes in data-color (a background in
// data-bg) and is set here, because the pages' Content-Security-Policy allows no inline
// style attributes. window.colourLinePreview(root) colours a preview drawn again later.
"use strict";
window.colourLinePreview = function (root) {
  root.querySelectorAll("[data-color]").forEach(function (node) {
    node.style.color = node.dataset.color;
  });
  root.querySelectorAll("[data-bg]").forEach(function (node) {
    node.style.backgroundColor = node.dataset.bg;
  });
};
window.colourLinePreview(document);
