// The dev simulator: sends a persona's events and polls what the bot sent (every 2 s).
"use strict";

(function () {
  const phone = document.getElementById("phone");
  if (!phone) return;
  const user = phone.dataset.user;
  const sendUrl = phone.dataset.sendUrl;
  const messagesUrl = phone.dataset.messagesUrl;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const chat = document.getElementById("chat");
  const quick = document.getElementById("quick");
  const info = document.getElementById("person-info");
  const picker = document.getElementById("picker");
  const pickerInput = document.getElementById("picker-input");
  const locationForm = document.getElementById("location");
  let lastId = 0;
  let pendingPicker = null;
  let polling = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function scrollDown() { chat.scrollTop = chat.scrollHeight; }

  function mine(text) {
    const item = el("li", "me", text);
    item.dataset.testid = "sent";
    chat.appendChild(item);
    scrollDown();
  }

  async function send(action, shown) {
    if (shown) mine(shown);
    const response = await fetch(sendUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(Object.assign({ user: user }, action)),
    });
    if (!response.ok) chat.appendChild(el("li", "bot error", "HTTP " + response.status));
    await poll();
  }

  function actionButton(action, className) {
    const button = el("button", "button " + (className || "secondary"), action.label || action.type);
    button.type = "button";
    button.dataset.actionType = action.type;
    button.addEventListener("click", function () { tap(action); });
    return button;
  }

  function tap(action) {
    if (action.type === "message") {
      send({ kind: "text", text: action.text || action.label }, action.text || action.label);
    } else if (action.type === "postback") {
      send({ kind: "postback", data: action.data }, action.displayText || null);
    } else if (action.type === "datetimepicker") {
      openPicker(action);
    } else if (action.type === "uri") {
      window.open(action.uri, "_blank", "noopener");
    } else if (action.type === "location") {
      locationForm.hidden = false;
    }
  }

  function openPicker(action) {
    pendingPicker = action;
    const types = { date: "date", time: "time", datetime: "datetime-local" };
    pickerInput.type = types[action.mode] || "date";
    pickerInput.value = action.initial || "";
    if (action.min) pickerInput.min = action.min;
    if (action.max) pickerInput.max = action.max;
    picker.hidden = false;
    pickerInput.focus();
  }

  function renderMessage(message) {
    const item = el("li", "bot");
    item.dataset.testid = "bot-message";
    item.dataset.type = message.type;
    if (message.type === "text") {
      item.appendChild(el("div", "text", message.text));
    } else if (message.type === "flex") {
      const row = el("div", message.bubbles.length > 1 ? "carousel" : "");
      message.bubbles.forEach(function (bubble) {
        const card = el("div", "card-msg");
        card.dataset.testid = "flex";
        bubble.images.forEach(function (url) { const img = el("img"); img.src = url; img.alt = ""; card.appendChild(img); });
        if (bubble.title) card.appendChild(el("div", "title", bubble.title));
        bubble.texts.forEach(function (text) { card.appendChild(el("div", "line", text)); });
        bubble.buttons.forEach(function (action, i) { card.appendChild(actionButton(action, i === 0 ? "primary" : "secondary")); });
        row.appendChild(card);
      });
      item.appendChild(row);
    } else if (message.type === "template") {
      const card = el("div", "card-msg");
      if (message.title) card.appendChild(el("div", "title", message.title));
      card.appendChild(el("div", "line", message.text));
      message.buttons.forEach(function (action) { card.appendChild(actionButton(action)); });
      item.appendChild(card);
    } else if (message.type === "image") {
      const img = el("img"); img.src = message.url; img.alt = ""; img.style.maxWidth = "240px";
      item.appendChild(img);
    } else if (message.type === "location") {
      item.appendChild(el("div", "text", "📍 " + (message.title || "") + "\n" + (message.address || "") +
        "\n" + message.latitude + ", " + message.longitude));
    } else {
      item.appendChild(el("div", "text", message.text || message.type));
    }
    return item;
  }

  function showQuickReplies(actions) {
    quick.replaceChildren();
    actions.forEach(function (action) { quick.appendChild(actionButton(action)); });
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      const response = await fetch(messagesUrl + "?user=" + encodeURIComponent(user) + "&after=" + lastId);
      if (!response.ok) return;
      const data = await response.json();
      if (data.person) {
        const p = data.person;
        info.textContent = p.role + " · " + p.status + " · " + p.language +
          (p.name ? " · " + p.name : "") + (p.dialog_state ? " · [" + p.dialog_state + "]" : "");
      }
      let latestQuick = null;
      data.items.forEach(function (item) {
        lastId = Math.max(lastId, item.id);
        if (item.via !== "reply") chat.appendChild(el("li", "via", item.via));
        item.messages.forEach(function (message) {
          chat.appendChild(renderMessage(message));
          latestQuick = message.quick_replies || [];
        });
      });
      if (latestQuick !== null) showQuickReplies(latestQuick);
      if (data.items.length) scrollDown();
    } finally {
      polling = false;
    }
  }

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    const input = document.getElementById("text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ kind: "text", text: text }, text);
  });
  document.querySelectorAll("[data-send]").forEach(function (button) {
    button.addEventListener("click", function () {
      const kind = button.dataset.send;
      send({ kind: kind }, kind === "sticker" ? "🐢" : "(" + button.textContent + ")");
    });
  });
  document.getElementById("show-location").addEventListener("click", function () {
    locationForm.hidden = !locationForm.hidden;
  });
  locationForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const lat = document.getElementById("lat").value;
    const lng = document.getElementById("lng").value;
    locationForm.hidden = true;
    send({ kind: "location", latitude: lat, longitude: lng }, "📍 " + lat + ", " + lng);
  });
  picker.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!pendingPicker || !pickerInput.value) return;
    const key = pendingPicker.mode === "datetime" ? "datetime" : (pendingPicker.mode || "date");
    const params = {};
    params[key] = pickerInput.value;
    picker.hidden = true;
    send({ kind: "postback", data: pendingPicker.data, params: params }, pickerInput.value);
    pendingPicker = null;
  });
  document.getElementById("picker-cancel").addEventListener("click", function () {
    picker.hidden = true;
    pendingPicker = null;
  });

  poll();
  window.setInterval(poll, 2000);
})();
