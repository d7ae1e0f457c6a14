/* Port staff's pass check (/passes/verify): a typed code or the camera (jsQR), online against
   the server; offline, the pass's ECDSA P-256 signature is verified here with WebCrypto and the
   public key only, and the check-in is queued in localStorage until the network is back. */
(function () {
  "use strict";
  var root = document.getElementById("verify");
  if (!root) { return; }
  var words = document.getElementById("words").dataset;
  var QUEUE = "islandos.verify.queue", KEY = "islandos.verify.jwk";
  var OFFSET = "islandos.verify.offset", DEVICE = "islandos.verify.device";
  var SEEN = "islandos.verify.seen";

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }
  function load(name, fallback) {
    try { var v = JSON.parse(localStorage.getItem(name)); return v === null ? fallback : v; }
    catch (e) { return fallback; }
  }
  function save(name, value) { localStorage.setItem(name, JSON.stringify(value)); }
  function device() {
    var id = localStorage.getItem(DEVICE);
    if (!id) {
      var bytes = new Uint8Array(9); crypto.getRandomValues(bytes);
      id = "phone-" + Array.prototype.map.call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2); }).join("");
      localStorage.setItem(DEVICE, id);
    }
    return id;
  }
  function serverNow() { return new Date(Date.now() + load(OFFSET, 0)); }
  function todayInJapan() {
    return new Date(serverNow().getTime() + 9 * 3600 * 1000).toISOString().slice(0, 10);
  }

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  function refresh() {  // a fresh CSRF token and the server's time; fails offline
    return fetch(root.dataset.csrf, {cache: "no-store", credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        csrf = s.csrf; save(OFFSET, Date.parse(s.now) - Date.now()); return true;
      });
  }
  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", cache: "no-store",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body)});
  }

  var result = document.getElementById("result");
  function show(kind, title, detail, counts) {
    result.hidden = false;
    result.className = "card verdict " + kind;
    document.getElementById("verdict-title").textContent = title;
    document.getElementById("verdict-detail").textContent = detail || "";
    var list = document.getElementById("verdict-counts");
    list.textContent = "";
    (counts || []).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = (root.dataset.lang === "en" ? line.en : line.ja) + " " +
        fill(words.people, {n: line.n});
      list.appendChild(item);
    });
  }
  function time(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString(root.dataset.lang === "en" ? "en-GB" : "ja-JP",
      {timeZone: "Asia/Tokyo", month: "numeric", day: "numeric", hour: "2-digit",
       minute: "2-digit"});
  }
  function showVerdict(v) {
    var arrived = v.arrival_date ? fill(words.arrived, {day: v.arrival_date}) : "";
    switch (v.outcome) {
      case "valid": show("ok", words.valid, arrived, v.counts); break;
      case "already":
        show("warn", words.already, fill(words.alreadyAt, {time: time(v.checked_at)}), v.counts);
        break;
      case "staying": show("ok", words.staying, arrived, v.counts); break;
      case "other_date": show("warn", words.otherDate, arrived, v.counts); break;
      case "refunded": show("bad", words.refunded, arrived); break;
      case "forged": show("bad", words.forged, ""); break;
      default: show("bad", words.notFound, v.code || "");
    }
  }

  // Offline: verify the signature with the cached public key.
  function b64(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function verifyOffline(token) {
    var parts = token.trim().split(".");
    var jwk = load(KEY, null);
    if (parts.length !== 3 || parts[0] !== "IP1" || !jwk || !crypto.subtle) {
      return Promise.resolve(null);
    }
    var sig;
    try { sig = b64(parts[2]); } catch (e) { return Promise.resolve(null); }
    return crypto.subtle.importKey("jwk", jwk, {name: "ECDSA", namedCurve: "P-256"}, false,
      ["verify"]).then(function (key) {
      return crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, sig,
        new TextEncoder().encode(parts[1]));
    }).then(function (ok) {
      if (!ok) { return null; }
      return JSON.parse(new TextDecoder().decode(b64(parts[1])));
    }).catch(function () { return null; });
  }
  function checkOffline(token) {
    if (!token) { show("warn", words.offlineCode, ""); return Promise.resolve(); }
    return verifyOffline(token).then(function (claims) {
      if (!claims) { showVerdict({outcome: "forged"}); return; }
      var counts = Object.keys(claims.n).map(function (code) {
        return {ja: code, en: code, n: claims.n[code]}; });
      var today = todayInJapan();
      if (claims.d > today) {
        showVerdict({outcome: "other_date", arrival_date: claims.d, counts: counts}); return;
      }
      if (claims.d < today) {
        showVerdict({outcome: "staying", arrival_date: claims.d, counts: counts}); return;
      }
      var seen = load(SEEN, {});
      if (seen[claims.c]) {
        showVerdict({outcome: "already", checked_at: seen[claims.c], counts: counts}); return;
      }
      var at = serverNow().toISOString();
      seen[claims.c] = at; save(SEEN, seen);
      var queue = load(QUEUE, []);
      queue.push({token: token.trim(), checked_at: at}); save(QUEUE, queue);
      show("ok", words.offlineValid, fill(words.arrived, {day: claims.d}), counts);
      showQueue();
    });
  }

  function check(code, token) {
    return post(root.dataset.check, {code: code || "", token: token || "", device: device()})
      .then(function (r) {
        if (r.status === 400 || r.status === 403) {
          return r.json().then(function (b) { show("bad", b.error || words.error, ""); });
        }
        if (!r.ok || r.redirected) { throw new Error("offline"); }
        return r.json().then(showVerdict);
      })
      .catch(function () { setNet(false); return checkOffline(token); });
  }

  function showQueue(conflicts) {
    var queue = load(QUEUE, []);
    var box = document.getElementById("queue-box");
    var list = document.getElementById("conflicts");
    if (conflicts) {
      conflicts.forEach(function (code) {
        var item = document.createElement("li");
        item.textContent = fill(words.conflict, {code: code});
        list.appendChild(item);
      });
    }
    box.hidden = queue.length === 0 && !list.children.length;
    document.getElementById("queue-count").textContent = fill(words.queued, {n: queue.length});
  }
  var syncing = false;
  function sync() {
    var queue = load(QUEUE, []);
    if (syncing || !queue.length) { return Promise.resolve(); }
    syncing = true;
    return refresh().then(function () {
      return post(root.dataset.sync, {device: device(), items: queue});
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (outcome) {
      var left = load(QUEUE, []).slice(queue.length);
      save(QUEUE, left);
      setNet(true);
      document.getElementById("net-state").textContent = words.online + " — " +
        fill(words.sent, {n: outcome.recorded + outcome.repeated});
      showQueue(outcome.conflicts);
    }).catch(function () { setNet(false); })
      .then(function () { syncing = false; });
  }

  function setNet(online) {
    document.getElementById("net-state").textContent = online ? words.online : words.offline;
    root.dataset.online = online ? "1" : "0";
  }

  // The camera: jsQR on video frames (iOS has no BarcodeDetector).
  var video = document.getElementById("camera"), canvas = document.getElementById("frame");
  var stream = null;
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null; video.hidden = true;
  }
  function scanFrame() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA && window.jsQR) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var found = window.jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data,
        canvas.width, canvas.height, {inversionAttempts: "dontInvert"});
      if (found && found.data.indexOf("IP1.") === 0) {
        stopCamera(); check("", found.data); return;
      }
    }
    requestAnimationFrame(scanFrame);
  }
  document.getElementById("scan").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show("warn", words.cameraError, ""); return;
    }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (s) {
        stream = s; video.srcObject = s; video.hidden = false;
        return video.play();
      }).then(scanFrame).catch(function () { stopCamera(); show("warn", words.cameraError, ""); });
  });
  document.getElementById("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = document.getElementById("code");
    var typed = field.value.trim();
    if (typed.indexOf("IP1.") === 0) { check("", typed); } else { check(typed, ""); }
    field.value = "";
  });

  window.addEventListener("online", sync);
  window.addEventListener("offline", function () { setNet(false); });
  setInterval(sync, 15000);
  fetch(root.dataset.key, {cache: "no-store"}).then(function (r) { return r.json(); })
    .then(function (jwk) { save(KEY, jwk); }).catch(function () {});
  refresh().then(function () { setNet(true); sync(); }, function () { setNet(false); });
  showQueue();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, {scope: "/passes/"}).catch(function () {});
  }
}());
