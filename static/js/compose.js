// The compose form of a notice, made easier with JavaScript (it works without it too):
// fields appear only when the choices above them need them (data-show-when="name:v1,v2"),
// and the LINE preview beside the form is drawn again as the office types.
"use strict";
(function () {
  const form = document.getElementById("compose-form");
  if (!form) return;

  function chosen(name) {
    const checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function showWhatIsNeeded() {
    form.querySelectorAll("[data-show-when]").forEach(function (part) {
      const rule = part.dataset.showWhen.split(":");
      part.hidden = rule[1].split(",").indexOf(chosen(rule[0])) < 0;
    });
  }

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

  form.addEventListener("change", function () { showWhatIsNeeded(); later(); });
  form.addEventListener("input", later);
  showWhatIsNeeded();
}());

// The printable call list: its print button (no inline script).
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
