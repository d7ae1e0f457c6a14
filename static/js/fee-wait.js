// The thanks page of /fee: check until Stripe's webhook has confirmed the payment, then reload
// to show the pass (without JavaScript the page refreshes itself every few seconds).
(function () {
  var waiting = document.querySelector("[data-fee-status]");
  if (!waiting) { return; }
  var url = waiting.getAttribute("data-fee-status");
  var tries = 0;
  function check() {
    tries += 1;
    fetch(url, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.ready || s.status === "expired" || s.status === "failed") { location.reload(); }
      else if (tries < 150) { setTimeout(check, Math.min(1000 + tries * 200, 4000)); }
    }).catch(function () { setTimeout(check, 4000); });
  }
  setTimeout(check, 800);
})();
