/* 「音声で案内」 / "Read aloud": the browser's speech synthesis reads the steps, then what the
   page shows (errors, the pass's code, date and counts, or that it is waiting), in the page's
   language. No network, no recording. */
(function () {
  "use strict";
  var button = document.getElementById("read-aloud");
  if (!button || !("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) { return; }
  button.hidden = false;
  var label = button.textContent;
  var PARTS = ["#speak-steps", ".fee-errors", ".fee-thanks", ".fee-pass dl", ".fee-waiting",
    "main .warning", "main h1 + p"];

  function text() {
    var seen = [], out = [];
    PARTS.forEach(function (selector) {
      document.querySelectorAll(selector).forEach(function (node) {
        if (seen.indexOf(node) >= 0) { return; }
        seen.push(node);
        var words = (node.innerText || node.textContent || "").replace(/\s+/g, " ").trim();
        if (words) { out.push(words); }
      });
    });
    return out.join("。 ");
  }
  function reset() { button.textContent = label; button.removeAttribute("aria-pressed"); }
  button.addEventListener("click", function () {
    var synth = window.speechSynthesis;
    if (synth.speaking) { synth.cancel(); reset(); return; }
    var utterance = new SpeechSynthesisUtterance(text());
    utterance.lang = button.dataset.voiceLang;
    utterance.rate = 0.9;  // a little slower, for older visitors
    var voice = synth.getVoices().filter(function (v) {
      return v.lang.replace("_", "-").indexOf(utterance.lang.slice(0, 2)) === 0; })[0];
    if (voice) { utterance.voice = voice; }
    utterance.onend = reset;
    utterance.onerror = reset;
    button.textContent = button.dataset.stop;
    button.setAttribute("aria-pressed", "true");
    synth.speak(utterance);
  });
}());
