// The dev simulator: sends a persona's events, polls the conversation (every 2 s) and draws
// it as LINE does: text, Flex bubbles and carousels, quick replies, the linked rich menu.
"use strict";

(function () {
  // The persona list shows the persona open now; the drop-down (phones) opens one at once.
  const current = document.querySelector(".personas [aria-current]");
  if (current) current.scrollIntoView({ block: "center" });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    select.form.querySelectorAll("[data-nojs]").forEach(function (b) { b.hidden = true; });
  });

  const phone = document.getElementById("phone");
  if (!phone) return;
  const user = phone.dataset.user;
  const sendUrl = phone.dataset.sendUrl;
  const messagesUrl = phone.dataset.messagesUrl;
  const texts = JSON.parse(phone.dataset.texts || "{}");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const chat = document.getElementById("chat");
  const quick = document.getElementById("quick");
  const info = document.getElementById("person-info");
  const picker = document.getElementById("picker");
  const pickerInput = document.getElementById("picker-input");
  const locationForm = document.getElementById("location");
  const menu = document.getElementById("richmenu");
  const menuFrame = document.getElementById("richmenu-frame");
  const menuImage = document.getElementById("richmenu-image");
  const menuToggle = document.getElementById("menu-toggle");
  const fontScale = document.getElementById("font-scale");
  if (fontScale) {
    const apply = function () { phone.style.setProperty("--line-font-scale", fontScale.value); };
    fontScale.value = localStorage.getItem("simulator-font-scale") || fontScale.value;
    apply();
    fontScale.addEventListener("change", function () {
      localStorage.setItem("simulator-font-scale", fontScale.value);
      apply();
    });
  }
  let lastId = 0;
  let pendingPicker = null;
  let polling = false;
  let shownMenu = null; // id of the rich menu drawn now

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function scrollDown() { chat.scrollTop = chat.scrollHeight; }

  async function send(action) {
    quick.replaceChildren(); // as in LINE, quick replies go once the user answers
    const response = await fetch(sendUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(Object.assign({ user: user }, action)),
    });
    if (!response.ok) {
      chat.appendChild(el("li", "note error", "HTTP " + response.status));
      scrollDown();
    }
    await poll();
  }

  // What a tap on a button, a quick reply or a rich-menu area sends, as LINE would.
  function tap(action) {
    if (action.type === "message") {
      send({ kind: "text", text: action.text || action.label });
    } else if (action.type === "postback") {
      const postback = { kind: "postback", data: action.data };
      if (action.displayText) postback.displayText = action.displayText;
      send(postback);
    } else if (action.type === "datetimepicker") {
      openPicker(action);
    } else if (action.type === "uri") {
      window.open(action.uri, "_blank", "noopener");
    } else if (action.type === "location") {
      locationForm.hidden = false;
    }
  }

  function actionButton(action, className) {
    const button = el("button", className || "button secondary", action.label || action.type);
    button.type = "button";
    button.dataset.actionType = action.type;
    button.addEventListener("click", function () { tap(action); });
    return button;
  }

  function openPicker(action) {
    pendingPicker = action;
    const types = { date: "date", time: "time", datetime: "datetime-local" };
    pickerInput.type = types[action.mode] || "date";
    pickerInput.value = action.initial || "";
    pickerInput.min = action.min || "";
    pickerInput.max = action.max || "";
    picker.hidden = false;
    pickerInput.focus();
  }

  // Flex Message, close to how LINE draws it -------------------------------------------

  const TEXT_SIZES = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
  const SPACES = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const IMAGE_SIZES = { xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, "3xl": 180, "4xl": 200, "5xl": 240 };
  const RADII = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const BORDERS = { none: 0, light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4 };
  const BUBBLE_WIDTHS = { nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 500 };
  const BLOCK_PADDING = { header: 20, hero: 0, body: 20, footer: 10 };
  const PLACE = { start: "flex-start", end: "flex-end", center: "center", top: "flex-start", bottom: "flex-end" };

  // A keyword from a table, or a length LINE accepts as it is ("12px", "30%").
  function length(value, table) {
    if (value === undefined || value === null) return null;
    if (table && Object.prototype.hasOwnProperty.call(table, value)) return table[value] + "px";
    if (/^\d+(\.\d+)?(px|%)$/.test(String(value))) return String(value);
    return null;
  }

  function makeTappable(node, action) {
    if (!action) return;
    node.classList.add("fx-tappable");
    node.setAttribute("role", "button");
    node.tabIndex = 0;
    node.addEventListener("click", function (event) { event.stopPropagation(); tap(action); });
  }

  // flex (grow) and margins as LINE lays out a box's children.
  function placeChild(node, c, layout, index, spacing) {
    const horizontal = layout !== "vertical";
    const grow = c.flex !== undefined ? c.flex : (horizontal ? 1 : 0);
    if (grow > 0) {
      node.style.flex = grow + " 0 0";
    } else {
      node.style.flex = "0 0 auto";
    }
    if (horizontal) node.style.minWidth = "0";
    const gap = c.margin !== undefined ? length(c.margin, SPACES) : (index > 0 ? spacing : null);
    if (gap && c.type !== "filler") {
      if (horizontal) node.style.marginInlineStart = gap; else node.style.marginTop = gap;
    }
    if (c.position === "absolute") node.style.position = "absolute";
    if (c.position === "relative" || c.offsetTop || c.offsetStart) node.style.position = node.style.position || "relative";
    ["Top", "Bottom", "Start", "End"].forEach(function (side) {
      const value = length(c["offset" + side], SPACES);
      const css = { Top: "top", Bottom: "bottom", Start: "left", End: "right" }[side];
      if (value) node.style[css] = value;
    });
  }

  function box(c) {
    const layout = c.layout || "vertical";
    const node = el("div", "fx-box fx-" + layout);
    const spacing = length(c.spacing, SPACES);
    (c.contents || []).forEach(function (child, i) {
      const rendered = component(child, layout);
      if (!rendered) return;
      placeChild(rendered, child, layout, i, spacing);
      node.appendChild(rendered);
    });
    if (c.backgroundColor) node.style.backgroundColor = c.backgroundColor;
    const border = length(c.borderWidth, BORDERS);
    if (border) node.style.border = border + " solid " + (c.borderColor || "#000000");
    const radius = length(c.cornerRadius, RADII);
    if (radius) { node.style.borderRadius = radius; node.style.overflow = "hidden"; }
    const padding = { paddingAll: "padding", paddingTop: "paddingTop", paddingBottom: "paddingBottom", paddingStart: "paddingInlineStart", paddingEnd: "paddingInlineEnd" };
    Object.keys(padding).forEach(function (key) {
      const value = length(c[key], SPACES);
      if (value) node.style[padding[key]] = value;
    });
    ["width", "height", "maxWidth", "maxHeight"].forEach(function (key) {
      const value = length(c[key]);
      if (value) node.style[key] = value;
    });
    if (c.justifyContent) node.style.justifyContent = c.justifyContent;
    if (c.alignItems) node.style.alignItems = c.alignItems;
    makeTappable(node, c.action);
    return node;
  }

  function textSize(size) { return length(size, TEXT_SIZES) || "16px"; }

  // `scaling: true` text follows the font size the user chose in LINE (the 文字サイズ menu).
  function scaled(size, c) {
    return c.scaling ? "calc(" + size + " * var(--line-font-scale, 1))" : size;
  }

  function text(c, layout) {
    const node = el("div", "fx-text");
    if (Array.isArray(c.contents) && c.contents.length) {
      c.contents.forEach(function (span) {
        if (span.type !== "span") return;
        const part = el("span", "", span.text);
        if (span.size) part.style.fontSize = scaled(textSize(span.size), c);
        if (span.weight === "bold") part.style.fontWeight = "700";
        if (span.color) part.style.color = span.color;
        if (span.style === "italic") part.style.fontStyle = "italic";
        if (span.decoration && span.decoration !== "none") part.style.textDecoration = span.decoration;
        node.appendChild(part);
      });
    } else {
      node.textContent = c.text || "";
    }
    node.style.fontSize = scaled(textSize(c.size), c);
    if (c.weight === "bold") node.style.fontWeight = "700";
    if (c.color) node.style.color = c.color;
    if (c.align) node.style.textAlign = { start: "left", end: "right", center: "center" }[c.align] || "left";
    if (c.style === "italic") node.style.fontStyle = "italic";
    if (c.decoration && c.decoration !== "none") node.style.textDecoration = c.decoration;
    if (c.lineSpacing) node.style.lineHeight = "calc(1.4em + " + length(c.lineSpacing) + ")";
    if (c.wrap) {
      node.classList.add("fx-wrap");
      if (c.maxLines > 0) {
        node.classList.add("fx-clamp");
        node.style.webkitLineClamp = String(c.maxLines);
      }
    }
    if (c.gravity && layout !== "vertical") node.style.alignSelf = PLACE[c.gravity] || "flex-start";
    makeTappable(node, c.action);
    return node;
  }

  function button(c, layout) {
    const style = c.style || "link";
    const node = actionButton(c.action || {}, "fx-button fx-button-" + style + " fx-height-" + (c.height || "md"));
    if (c.scaling) node.style.fontSize = scaled("16px", c);
    if (style === "link") {
      if (c.color) node.style.color = c.color;
    } else if (c.color) {
      node.style.backgroundColor = c.color;
    }
    if (c.gravity && layout !== "vertical") node.style.alignSelf = PLACE[c.gravity] || "flex-start";
    return node;
  }

  function image(c) {
    const wrap = el("div", "fx-image");
    const img = el("img");
    img.src = c.url;
    img.alt = "";
    img.loading = "lazy";
    const size = c.size || "md";
    wrap.style.width = size === "full" ? "100%" : (length(size, IMAGE_SIZES) || "100px");
    wrap.style.maxWidth = "100%";
    const ratio = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(c.aspectRatio || "1:1");
    if (ratio) wrap.style.aspectRatio = ratio[1] + " / " + ratio[2];
    img.style.objectFit = c.aspectMode === "cover" ? "cover" : "contain";
    if (c.backgroundColor) wrap.style.backgroundColor = c.backgroundColor;
    const align = c.align || "center";
    wrap.style.alignSelf = { start: "flex-start", end: "flex-end", center: "center" }[align];
    wrap.appendChild(img);
    makeTappable(wrap, c.action);
    return wrap;
  }

  function icon(c) {
    const img = el("img", "fx-icon");
    img.src = c.url;
    img.alt = "";
    const size = textSize(c.size || "md");
    img.style.width = img.style.height = size;
    return img;
  }

  function separator(c, layout) {
    const node = el("div", "fx-separator " + (layout === "vertical" ? "fx-separator-h" : "fx-separator-v"));
    if (c.color) node.style.backgroundColor = c.color;
    return node;
  }

  function component(c, layout) {
    if (!c || typeof c !== "object") return null;
    switch (c.type) {
      case "box": return box(c);
      case "text": return text(c, layout);
      case "button": return button(c, layout);
      case "image": return image(c);
      case "icon": return icon(c);
      case "separator": return separator(c, layout);
      case "filler": return el("div", "fx-filler");
      case "spacer": { const s = el("div"); s.style.height = s.style.width = length(c.size || "md", SPACES) || "8px"; return s; }
      case "video": return c.altContent ? component(c.altContent, layout) : null;
      default: return null;
    }
  }

  function bubble(b) {
    const card = el("div", "fx-bubble");
    card.dataset.testid = "flex";
    card.style.width = BUBBLE_WIDTHS[b.size || "mega"] + "px";
    const styles = b.styles || {};
    let previous = false;
    ["header", "hero", "body", "footer"].forEach(function (name) {
      const part = b[name];
      if (!part) return;
      const look = styles[name] || {};
      if (previous && look.separator) {
        const line = el("div", "fx-separator fx-separator-h");
        if (look.separatorColor) line.style.backgroundColor = look.separatorColor;
        card.appendChild(line);
      }
      const block = el("div", "fx-block fx-" + name);
      if (look.backgroundColor) block.style.backgroundColor = look.backgroundColor;
      const inner = component(part, "vertical");
      if (inner) {
        inner.style.flex = "1 0 auto";
        // a block's padding belongs to its box (so the box's colour fills the block), unless
        // the box sets its own
        const own = ["paddingAll", "paddingTop", "paddingBottom", "paddingStart", "paddingEnd"]
          .some(function (key) { return part[key] !== undefined; });
        if (part.type === "box" && !own) inner.style.padding = BLOCK_PADDING[name] + "px";
        block.appendChild(inner);
      }
      card.appendChild(block);
      previous = true;
    });
    makeTappable(card, b.action);
    return card;
  }

  function flex(contents) {
    if (contents.type === "carousel") {
      const row = el("div", "fx-carousel");
      row.dataset.testid = "carousel";
      (contents.contents || []).forEach(function (b) { row.appendChild(bubble(b)); });
      return row;
    }
    return bubble(contents);
  }

  // Messages ------------------------------------------------------------------------------

  function renderMessage(message) {
    const item = el("li", "bot");
    item.dataset.testid = "bot-message";
    item.dataset.type = message.type;
    if (message.type === "text") {
      item.appendChild(el("div", "text", message.text));
    } else if (message.type === "flex") {
      item.classList.add("wide");
      item.appendChild(flex(message.contents || {}));
    } else if (message.type === "template") {
      const card = el("div", "fx-bubble template");
      const body = el("div", "fx-block fx-body");
      if (message.title) body.appendChild(el("div", "fx-text template-title", message.title));
      body.appendChild(el("div", "fx-text fx-wrap", message.text));
      card.appendChild(body);
      const footer = el("div", "fx-block fx-footer");
      message.buttons.forEach(function (action) { footer.appendChild(actionButton(action, "fx-button fx-button-link fx-height-md")); });
      card.appendChild(footer);
      item.appendChild(card);
    } else if (message.type === "image") {
      const img = el("img", "photo");
      img.src = message.url;
      img.alt = "";
      item.appendChild(img);
    } else if (message.type === "location") {
      item.appendChild(el("div", "text", "📍 " + (message.title || "") + "\n" + (message.address || "") +
        "\n" + message.latitude + ", " + message.longitude));
    } else {
      item.appendChild(el("div", "text", message.text || message.type));
    }
    return item;
  }

  function renderSent(sent) {
    if (sent.kind === "follow" || sent.kind === "unfollow") {
      return el("li", "note", texts[sent.kind] || sent.kind);
    }
    const item = el("li", "me");
    item.dataset.testid = "sent";
    if (sent.kind === "text") {
      item.textContent = sent.text;
    } else if (sent.kind === "picked") {
      item.textContent = "📅 " + sent.text;
    } else if (sent.kind === "location") {
      item.textContent = "📍 " + sent.latitude + ", " + sent.longitude;
    } else if (sent.kind === "sticker") {
      item.classList.add("sticker");
      item.textContent = "🐢";
      item.setAttribute("aria-label", texts.sticker || "sticker");
    } else {
      item.textContent = sent.kind;
    }
    return item;
  }

  function showQuickReplies(actions) {
    quick.replaceChildren();
    actions.forEach(function (action) { quick.appendChild(actionButton(action, "button quick-reply")); });
  }

  // The rich menu ---------------------------------------------------------------------------

  function setMenuOpen(open) {
    menu.hidden = !open;
    menuToggle.setAttribute("aria-expanded", open ? "true" : "false");
    menuToggle.textContent = menuToggle.dataset.label + (open ? " ▼" : " ▲");
    scrollDown();
  }

  function showMenu(richmenu) {
    const id = richmenu ? richmenu.id : null;
    if (id === shownMenu) return;
    shownMenu = id;
    menuFrame.querySelectorAll("button").forEach(function (b) { b.remove(); });
    if (!richmenu) {
      menu.hidden = true;
      menuToggle.hidden = true;
      menuImage.removeAttribute("src");
      return;
    }
    const width = richmenu.size.width;
    const height = richmenu.size.height;
    menuImage.src = richmenu.image;
    menuImage.alt = richmenu.areas.map(function (a) { return a.action && a.action.label; }).filter(Boolean).join(" / ");
    menuFrame.style.aspectRatio = width + " / " + height;
    richmenu.areas.forEach(function (area) {
      const action = area.action || {};
      const hit = el("button", "richmenu-area");
      hit.type = "button";
      hit.setAttribute("aria-label", action.label || action.text || action.type || "");
      hit.dataset.actionType = action.type || "";
      hit.style.left = (100 * area.x / width) + "%";
      hit.style.top = (100 * area.y / height) + "%";
      hit.style.width = (100 * area.width / width) + "%";
      hit.style.height = (100 * area.height / height) + "%";
      hit.addEventListener("click", function () { tap(action); });
      menuFrame.appendChild(hit);
    });
    menuToggle.dataset.label = richmenu.chatBarText || "";
    menuToggle.hidden = false;
    setMenuOpen(Boolean(richmenu.selected));
  }

  // Polling ---------------------------------------------------------------------------------

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      let more = true;
      while (more) more = await fetchMore();
    } finally {
      polling = false;
    }
  }

  // Draws what came after the last entry shown; true when the server has more to give.
  async function fetchMore() {
    const response = await fetch(messagesUrl + "?user=" + encodeURIComponent(user) + "&after=" + lastId);
    if (!response.ok) return false;
    const data = await response.json();
    if (data.person) {
      const p = data.person;
      info.textContent = p.role + " · " + p.status + " · " + p.language +
        (p.name ? " · " + p.name : "") + (p.dialog_state ? " · [" + p.dialog_state + "]" : "");
    }
    let latestQuick = null;
    data.items.forEach(function (item) {
      lastId = Math.max(lastId, item.id);
      if (item.via === "user") {
        chat.appendChild(renderSent(item.sent || {}));
        latestQuick = [];
        return;
      }
      if (item.via !== "reply") chat.appendChild(el("li", "note", texts[item.via] || item.via));
      item.messages.forEach(function (message) {
        chat.appendChild(renderMessage(message));
        latestQuick = message.quick_replies || [];
      });
    });
    if (latestQuick !== null) showQuickReplies(latestQuick);
    showMenu(data.richmenu);
    if (data.items.length) scrollDown();
    return data.items.length >= data.page_size;
  }

  // The chat bar, tools and forms -----------------------------------------------------------

  menuToggle.addEventListener("click", function () { setMenuOpen(menu.hidden); });
  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    const input = document.getElementById("text");
    const value = input.value.trim();
    if (!value) return;
    input.value = "";
    send({ kind: "text", text: value });
  });
  document.querySelectorAll("[data-send]").forEach(function (b) {
    b.addEventListener("click", function () { send({ kind: b.dataset.send }); });
  });
  document.getElementById("show-location").addEventListener("click", function () {
    locationForm.hidden = !locationForm.hidden;
  });
  document.getElementById("location-cancel").addEventListener("click", function () {
    locationForm.hidden = true;
  });
  locationForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const lat = document.getElementById("lat").value;
    const lng = document.getElementById("lng").value;
    locationForm.hidden = true;
    send({ kind: "location", latitude: lat, longitude: lng });
  });
  picker.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!pendingPicker || !pickerInput.value) return;
    const key = pendingPicker.mode === "datetime" ? "datetime" : (pendingPicker.mode || "date");
    const params = {};
    params[key] = pickerInput.value;
    picker.hidden = true;
    send({ kind: "postback", data: pendingPicker.data, params: params });
    pendingPicker = null;
  });
  document.getElementById("picker-cancel").addEventListener("click", function () {
    picker.hidden = true;
    pendingPicker = null;
  });

  poll();
  window.setInterval(poll, 2000);
})();
