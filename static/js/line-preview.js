// The LINE preview of a notice: a Flex text's colour comes in data-color and is set here,
// because the pages' Content-Security-Policy allows no inline style attributes.
"use strict";
document.querySelectorAll(".flex-text[data-color]").forEach(function (text) {
  text.style.color = text.dataset.color;
});
