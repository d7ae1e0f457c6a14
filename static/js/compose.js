// Forms of the dashboard, made easier with JavaScript (they work without it too): fields
// appear only when the choices above them need them (data-show-when="name:v1,v2"), and the
// LINE preview beside a notice's compose form is drawn again as the office types.
"use strict";
(function () {
  document.querySelectorAll("form").forEach(function (each) {
    if (!each.querySelector("[data-show-when]")) return;
    function showWhatIsNeeded() {
      each.querySelectorAll("[data-show-when]").forEach(function (part) {
        const rule = part.dataset.showWhen.split(":");
        const checked = each.querySelector('input[name="' + rule[0] + '"]:checked');
        part.hidden = rule[1].split(",").indexOf(checked ? checked.value : "") < 0;
      });
    }
    each.addEventListener("change", showWhatIsNeeded);
    showWhatIsNeeded();
  });
}());

(function () {
  const form = document.getElementById("compose-form");
  if (!form) return;

  const preview = document.getElementById("live-preview");
  let timer = null;
  let asked = 0;

  async function redraw() {
    const number = ++asked;
    const data = new FormData(form);
    data.delete("image");
    try {
      const response = await fetch(form.dataset.previewUrl, { method: "POST", body: data });
      if (!response.ok || number !== asked) return;
      preview.innerHTML = await response.text();  // this site's own escaped HTML
      if (window.colourLinePreview) window.colourLinePreview(preview);
    } catch (error) {
      // offline for a moment: the preview stays as it was
    }
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(redraw, 400);
  }

  form.addEventListener("change", later);
  form.addEventListener("input", later);
}());

// The printable call list: its print button (no inline script).
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
