/* Instaply chat widget. Served per widget key; no third-party code, no cookies:
   the visitor token lives in this site's localStorage. */
(function () {
  "use strict";
  var CONFIG = {{ config_json|safe }};
  if (window["__instaply_" + CONFIG.key]) { return; }
  window["__instaply_" + CONFIG.key] = true;

  var API = CONFIG.api + "/api/widget/v1/" + encodeURIComponent(CONFIG.key);
  var STORE = "instaply:" + CONFIG.key;
  var state = { token: null, after: null, timer: null, settings: null, open: false, polling: false, again: false,
                typedAt: 0, readSent: null, lastReply: null, seenAt: null };
  try { state.token = window.localStorage.getItem(STORE); } catch (e) { state.token = null; }

  // The visitor's language: the embed snippet's data-lang, else the page's <html lang>,
  // else the browser's languages; the first one the widget speaks wins.
  var SCRIPT = document.currentScript ||
    document.querySelector("script[src*='/widget/" + CONFIG.key + "']");
  function pickLanguage() {
    var wanted = [SCRIPT && SCRIPT.getAttribute("data-lang"), document.documentElement.lang]
      .concat(navigator.languages || [], [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var code = String(wanted[i] || "").split("-")[0].toLowerCase();
      if (code && CONFIG.strings[code]) { return code; }
    }
    return CONFIG.strings.en ? "en" : Object.keys(CONFIG.strings)[0];
  }
  var LANG = pickLanguage();
  var WORDS = CONFIG.strings[LANG];
  function t(key, values) {
    return (WORDS[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined ? values[name] : all;
    });
  }
  var HEX = /^#[0-9a-fA-F]{6}$/;
  var BRAND = HEX.test(CONFIG.colour) ? CONFIG.colour : "#1f5fbf";
  var BRAND_TEXT = HEX.test(CONFIG.text_colour) ? CONFIG.text_colour : "#ffffff";

  function request(method, path, body) {
    var headers = { "Content-Type": "application/json", "Accept-Language": LANG };
    if (state.token) { headers["X-Visitor-Token"] = state.token; }
    return fetch(API + path, {
      method: method, headers: headers, mode: "cors", credentials: "omit",
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data.error && data.error.message) || t("failed"));
          error.code = data.error && data.error.code; error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else if (name.indexOf("on") === 0) { node.addEventListener(name.slice(2), attrs[name]); }
      else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  var host = el("div", { id: "instaply-widget-" + CONFIG.key });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var style = el("style", { text: [
    ":host{all:initial}",
    // The brand colours come with the script: the first paint has them.
    ":host{--brand:" + BRAND + ";--brand-text:" + BRAND_TEXT + "}",
    // The hidden attribute must win over the display rules below (.panel is flex).
    "[hidden]{display:none !important}",
    ".bubble,.head,button.send,button.attach{background:var(--brand);color:var(--brand-text)}",
    ".bubble{position:fixed;right:20px;bottom:20px;width:58px;height:58px;border-radius:50%;border:0;cursor:pointer;font:600 24px system-ui;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}",
    ".panel{position:fixed;right:20px;bottom:90px;width:340px;max-width:calc(100vw - 40px);height:460px;max-height:calc(100vh - 120px);background:#fff;color:#1d2330;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;font:15px/1.4 system-ui,sans-serif;z-index:2147483000;overflow:hidden}",
    ".head{padding:12px 14px;font-weight:600}",
    ".head .status{display:block;font-weight:400;font-size:13px;opacity:.92;margin-top:2px}",
    ".away{margin:0;padding:8px 12px;background:#fff6dd;font-size:14px;border-bottom:1px solid #e9dcae}",
    ".meta{display:block;font-size:11px;color:#4a5263;margin-top:3px}",
    ".in .meta{text-align:right}",
    ".typing{min-height:18px;padding:0 12px 4px;font-size:13px;color:#4a5263;font-style:italic}",
    ".body{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}",
    ".msg{max-width:80%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}",
    ".in{align-self:flex-end;background:#e8eefb}.out{align-self:flex-start;background:#f1f2f4}",
    ".form{display:flex;flex-direction:column;gap:8px;padding:12px}",
    ".row{display:flex;gap:6px;padding:10px;border-top:1px solid #d5dae3}",
    "textarea,input[type=text],input[type=email]{flex:1;font:inherit;padding:8px;border:1px solid #8a93a5;border-radius:8px}",
    "button.send{border:0;border-radius:8px;padding:8px 12px;font:inherit;cursor:pointer}",
    ".files{display:flex}",
    "button.attach{border:0;border-radius:8px;padding:8px 10px;cursor:pointer;display:flex;align-items:center}",
    "button:disabled{opacity:.6;cursor:default}",
    ".file .name{display:block;font-weight:600}",
    ".file img{display:block;max-width:100%;max-height:160px;border-radius:6px;margin-bottom:4px}",
    ".file progress{display:block;width:100%;accent-color:var(--brand)}",
    ".error{color:#a3262a}",
    ".consent{padding:8px 12px;border-top:1px solid #d5dae3;font-size:13px;max-height:140px;overflow-y:auto}",
    ".consent .note{margin:4px 0 0;color:#4a5263}",
    ".consent .confirm{margin-top:6px;display:flex;flex-wrap:wrap;gap:6px;align-items:center}",
    ".consent .confirm p{margin:0;flex-basis:100%}",
    "button.link{background:none;border:0;padding:0;margin-top:4px;color:#1b4fb8;text-decoration:underline;cursor:pointer;font:inherit}",
    "button.plain{border:1px solid #8a93a5;background:#fff;border-radius:6px;padding:4px 8px;font:inherit;cursor:pointer}",
    ".policy{font-size:12px;margin:0}.policy a{color:inherit}",
    ".notice{margin:0;padding:6px 8px;background:#fff6dd;border-radius:8px;font-size:14px}",
    ":focus-visible{outline:3px solid #f0a500;outline-offset:2px}"
  ].join("") });
  root.appendChild(style);

  var bubble = el("button", { "class": "bubble", type: "button", "aria-label": t("open_chat"), text: "\u2709", lang: LANG });
  var panel = el("section", { "class": "panel", role: "dialog", "aria-label": t("chat"), hidden: "", lang: LANG });
  var head = el("div", { "class": "head" });
  var away = el("p", { "class": "away", role: "status", hidden: "" });
  var body = el("div", { "class": "body", "aria-live": "polite" });
  var typing = el("div", { "class": "typing", "aria-live": "polite" });
  panel.appendChild(head); panel.appendChild(away); panel.appendChild(body); panel.appendChild(typing);
  root.appendChild(bubble); root.appendChild(panel);

  function colours(settings) {
    // The settings' colours, should they have changed since this script was cached.
    if (HEX.test(settings.colour)) { host.style.setProperty("--brand", settings.colour); }
    if (HEX.test(settings.text_colour)) { host.style.setProperty("--brand-text", settings.text_colour); }
  }

  // Times in the visitor's own time zone and their language's format.
  function when(iso) {
    var date = new Date(iso), today = new Date();
    var options = { hour: "2-digit", minute: "2-digit" };
    if (date.toDateString() !== today.toDateString()) { options.day = "numeric"; options.month = "short"; }
    try { return new Intl.DateTimeFormat(LANG, options).format(date); } catch (e) { return date.toLocaleString(); }
  }

  function backAt(iso) {
    var options = { weekday: "long", hour: "2-digit", minute: "2-digit" };
    try { return new Intl.DateTimeFormat(LANG, options).format(new Date(iso)); } catch (e) { return new Date(iso).toLocaleString(); }
  }

  function header(settings) {
    head.textContent = "";
    head.appendChild(document.createTextNode(settings.shop));
    var info = settings.availability || {};
    var line = info.open || !info.back_at ? t("reply_" + (info.reply_within || "hours")) : t("back_at", { time: backAt(info.back_at) });
    head.appendChild(el("span", { "class": "status", text: line }));
    if (info.open === false && settings.away_message) { away.textContent = settings.away_message; away.removeAttribute("hidden"); }
    else { away.setAttribute("hidden", ""); }
  }

  function showError(target, error) {
    var old = target.querySelector(".error"); if (old) { old.remove(); }
    target.appendChild(el("p", { "class": "error", role: "alert", text: error.message }));
  }

  function addMessage(message) {
    // Polls can overlap (after sending, and on the timer): show each message once.
    // A file the visitor just sent is already shown: the cursor still moves past it.
    if (body.querySelector("[data-id='" + message.id + "']")) { state.after = message.id; return; }
    var inbound = message.direction === "inbound";
    var meta = el("span", { "class": "meta", text: (message.author ? message.author + " \u00b7 " : "") + when(message.created_at) });
    var node = el("div", {
      "class": "msg " + (inbound ? "in" : "out"), "data-id": message.id, "data-at": message.created_at
    }, [el("span", { "class": "text", text: message.body === null ? t("erased") : (message.body === "" && inbound ? t("file_sent") : message.body) }), meta]);
    body.appendChild(node);
    body.scrollTop = body.scrollHeight;
    state.after = message.id;
    if (!inbound) { state.lastReply = message.id; }
  }

  // Seen: the visitor's last message says whether someone of the shop opened the
  // conversation since; replies shown while the chat is in view move the visitor's marker.
  function receipts() {
    var mine = body.querySelectorAll(".msg.in");
    var last = mine.length ? mine[mine.length - 1] : null;
    var seen = last && state.seenAt && new Date(state.seenAt) >= new Date(last.getAttribute("data-at"));
    var text = last ? " \u00b7 " + t(seen ? "seen" : "sent") : "";
    var old = body.querySelector(".receipt");
    // Unchanged: left alone, so screen readers are not told it again at every poll.
    if (old && old.parentNode.parentNode === last && old.textContent === text) { return; }
    if (old) { old.remove(); }
    if (last) { last.querySelector(".meta").appendChild(el("span", { "class": "receipt", text: text })); }
  }

  function markRead() {
    if (!state.open || !state.lastReply || state.readSent === state.lastReply || document.visibilityState !== "visible") { return; }
    var id = state.lastReply;
    request("POST", "/seen", { message_id: id }).then(function () { state.readSent = id; })
      .catch(function () { /* tried again with the next reply or view */ });
  }
  document.addEventListener("visibilitychange", markRead);

  function showTyping(who) {
    var text = who ? (who.name ? t("typing", { name: who.name }) : t("someone_typing")) : "";
    if (typing.textContent !== text) { typing.textContent = text; }  // said once, not at every poll
  }

  function poll() {
    if (!state.token) { return; }
    if (state.polling) { state.again = true; return; }  // one poll at a time, then once more
    state.polling = true;
    request("GET", "/messages" + (state.after ? "?after=" + encodeURIComponent(state.after) : ""))
      .then(function (data) {
        data.results.forEach(addMessage);
        state.seenAt = data.seen_at; receipts(); showTyping(data.typing); markRead();
      })
      .catch(function (error) {
        if (error.code === "visitor_token_invalid") { forget(); startForm(); }
        // Marked under the minimum age since the chat began: the chat closes.
        else if (error.code === "age_refused") { forget(); body.textContent = ""; var row = panel.querySelector("form.row"); if (row) { row.remove(); } showError(body, error); }
      })
      .then(function () {
        state.polling = false;
        if (state.again) { state.again = false; poll(); }
      });
  }

  function forget() {
    state.token = null; state.after = null;
    try { window.localStorage.removeItem(STORE); } catch (e) { /* private mode */ }
  }

  // The consent to special-category data (health...), where the shop asks for it:
  // ticking records it; what the visitor writes while it is given is sent under
  // it; withdrawing it deletes those messages.
  function renderConsent(state, said) {
    var old = panel.querySelector(".consent"); if (old) { old.remove(); }
    var form = panel.querySelector("form.row");
    if (!form || (!state.asked && !state.given)) { return; }
    var box = el("div", { "class": "consent", role: "group", "aria-label": t("consent_group") });
    var tick = el("input", { type: "checkbox", id: "instaply-special-consent" });
    var label = el("label", { "for": "instaply-special-consent", text: " " + (state.text || t("consent_default")) });
    box.appendChild(el("div", {}, [tick, label]));
    var note = el("p", { "class": "note", role: "status" });
    box.appendChild(note);
    if (state.given) {
      tick.checked = true; tick.disabled = true;
      note.textContent = said || t("consent_given");
      var withdraw = el("button", { "class": "link", type: "button", text: t("consent_withdraw") });
      var yes = el("button", { "class": "plain", type: "button", text: t("consent_withdraw_yes") });
      var no = el("button", { "class": "plain", type: "button", text: t("consent_keep") });
      var confirm = el("div", { "class": "confirm", hidden: "" }, [
        el("p", { text: t("consent_withdraw_warning") }), yes, no
      ]);
      withdraw.addEventListener("click", function () { confirm.removeAttribute("hidden"); withdraw.setAttribute("hidden", ""); yes.focus(); });
      no.addEventListener("click", function () { confirm.setAttribute("hidden", ""); withdraw.removeAttribute("hidden"); withdraw.focus(); });
      yes.addEventListener("click", function () {
        yes.disabled = true;
        request("POST", "/consent/withdraw", {}).then(function (data) {
          data.deleted_message_ids.forEach(function (id) {
            var node = body.querySelector("[data-id='" + id + "']"); if (node) { node.remove(); }
          });
          var count = data.deleted_message_ids.length;
          renderConsent(data, t(count === 1 ? "consent_withdrawn_one" : "consent_withdrawn_many", { count: count }));
        }).catch(function (error) { yes.disabled = false; showError(box, error); });
      });
      box.appendChild(withdraw); box.appendChild(confirm);
    } else {
      note.textContent = said || t("consent_ask");
      tick.addEventListener("change", function () {
        if (!tick.checked) { return; }
        tick.disabled = true;
        request("POST", "/consent", { text_version: state.text_version }).then(function (data) {
          renderConsent(data, t("consent_recorded"));
        }).catch(function (error) {
          tick.checked = false; tick.disabled = false; showError(box, error);
          if (error.code === "consent_text_changed") { loadConsent(); }
        });
      });
    }
    panel.insertBefore(box, form);
  }

  function loadConsent() {
    request("GET", "/consent").then(function (state) { renderConsent(state); })
      .catch(function () { /* the chat works without it; the next opening tries again */ });
  }

  function chat() {
    body.textContent = "";
    var form = el("form", { "class": "row" });
    var input = el("textarea", { rows: "2", maxlength: "4000", "aria-label": t("your_message"), required: "" });
    var send = el("button", { "class": "send", type: "submit", text: t("send") });
    form.appendChild(input); form.appendChild(fileButton()); form.appendChild(send);
    input.addEventListener("input", function () {
      // The shop sees "typing" for a few seconds per signal: one every 3 s is enough.
      var now = Date.now();
      if (!input.value.trim() || now - state.typedAt < 3000) { return; }
      state.typedAt = now;
      request("POST", "/typing").catch(function () { /* typing is a nicety */ });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      send.disabled = true;
      request("POST", "/messages", { body: text })
        .then(function () { input.value = ""; state.typedAt = 0; poll(); })
        .catch(function (error) { showError(body, error); })
        .then(function () { send.disabled = false; input.focus(); });
    });
    panel.appendChild(form);
    loadConsent();
    poll();
    if (!state.timer) { state.timer = window.setInterval(function () { if (state.open) { poll(); } }, 3000); }
    input.focus();
  }

  // Files: a button beside the send box opens the picker (the types the API accepts);
  // the upload carries the visitor's token like every other call and shows its
  // progress in the thread. The visitor's side has no URL to fetch a file from, so
  // the sent file shows as its name, and a picture as the copy already in this
  // browser, read locally.
  var FILES = CONFIG.files || { types: [], max_bytes: 0 };

  function fileButton() {
    var picker = el("input", { type: "file", hidden: "", tabindex: "-1", accept: FILES.types.join(",") });
    var button = el("button", { "class": "attach", type: "button", "aria-label": t("attach"), title: t("attach") }, [clip()]);
    button.addEventListener("click", function () { picker.click(); });
    picker.addEventListener("change", function () {
      var file = picker.files && picker.files[0];
      picker.value = "";  // the same file can be picked again after an error
      if (file) { sendFile(file, button); }
    });
    return el("span", { "class": "files" }, [picker, button]);
  }

  // A paper clip drawn here: an emoji depends on the visitor's fonts.
  function clip() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg"), path = document.createElementNS(ns, "path");
    [["viewBox", "0 0 24 24"], ["width", "20"], ["height", "20"], ["aria-hidden", "true"], ["focusable", "false"]]
      .forEach(function (pair) { svg.setAttribute(pair[0], pair[1]); });
    [["d", "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"], ["fill", "none"],
     ["stroke", "currentColor"], ["stroke-width", "1.8"], ["stroke-linecap", "round"]]
      .forEach(function (pair) { path.setAttribute(pair[0], pair[1]); });
    svg.appendChild(path);
    return svg;
  }

  function fileError(error) {
    if (error.code === "file_too_large" || error.code === "payload_too_large") {
      return new Error(t("file_too_large", { size: Math.max(1, Math.floor(FILES.max_bytes / 1048576)) }));
    }
    if (error.code === "file_type_refused") { return new Error(t("file_type_refused")); }
    return error.message ? error : new Error(t("file_failed"));
  }

  function sendFile(file, button) {
    var old = body.querySelector(".error"); if (old) { old.remove(); }
    if (FILES.max_bytes && file.size > FILES.max_bytes) {  // refused here rather than after the upload
      showError(body, fileError({ code: "file_too_large" })); button.focus(); return;
    }
    var bar = el("progress", { max: "100", value: "0", "aria-label": t("file_sending", { name: file.name, percent: 0 }) });
    var meta = el("span", { "class": "meta", role: "status", text: t("file_sending", { name: file.name, percent: 0 }) });
    var node = el("div", { "class": "msg in file sending" }, [el("span", { "class": "name", text: file.name }), bar, meta]);
    body.appendChild(node); body.scrollTop = body.scrollHeight;
    button.disabled = true;
    upload(file, function (percent) {
      bar.value = percent;
      bar.setAttribute("aria-label", t("file_sending", { name: file.name, percent: percent }));
    }).then(function (data) {
      var at = new Date().toISOString();
      node.setAttribute("data-id", data.message_id); node.setAttribute("data-at", at);
      node.classList.remove("sending"); bar.remove(); meta.removeAttribute("role");
      meta.textContent = when(at);
      if (/^image\//.test(data.content_type)) { preview(file, node); }
      receipts(); poll();
    }).catch(function (error) {
      node.remove(); showError(body, fileError(error));
    }).then(function () { button.disabled = false; button.focus(); });
  }

  function preview(file, node) {
    var reader = new FileReader();
    reader.onload = function () {
      var image = el("img", { src: reader.result, alt: file.name });
      image.addEventListener("error", function () { image.remove(); });  // a page's policy may refuse it
      node.insertBefore(image, node.firstChild);
      body.scrollTop = body.scrollHeight;
    };
    reader.readAsDataURL(file);
  }

  // XMLHttpRequest rather than fetch: it reports the upload's progress.
  function upload(file, progress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", API + "/files");
      xhr.setRequestHeader("Accept-Language", LANG);
      if (state.token) { xhr.setRequestHeader("X-Visitor-Token", state.token); }
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { progress(Math.round(100 * event.loaded / event.total)); }
      });
      xhr.addEventListener("load", function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
        if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
        var error = new Error((data.error && data.error.message) || "");
        error.code = data.error && data.error.code; error.status = xhr.status;
        reject(error);
      });
      xhr.addEventListener("error", function () { reject(new Error(t("file_failed"))); });
      var form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  }

  function startForm() {
    body.textContent = "";
    var existing = panel.querySelector("form.row"); if (existing) { existing.remove(); }
    var consentBox = panel.querySelector(".consent"); if (consentBox) { consentBox.remove(); }
    var settings = state.settings;
    body.appendChild(el("p", { text: settings.greeting }));
    var form = el("form", { "class": "form" });
    var fields = {};
    settings.pre_chat_fields.forEach(function (name) {
      var input = el("input", { type: name === "email" ? "email" : "text", name: name, required: "", "aria-label": t(name === "email" ? "your_email" : "your_name"), placeholder: t(name === "email" ? "email" : "name") });
      fields[name] = input; form.appendChild(input);
    });
    var age = null, consent = null;
    if (settings.age_gate) {
      // The words come from the server, in the visitor's language, with the shop's threshold ages.
      var words = settings.age_texts || {};
      var group = el("fieldset", {}, [el("legend", { text: words.legend || t("your_age") })]);
      [["adult", words.adult || "18 or older"], ["15-17", words.minor || "15 to 17"], ["under-15", words.child || "Under 15"]].forEach(function (pair) {
        var id = "instaply-age-" + pair[0];
        group.appendChild(el("div", {}, [
          el("input", { type: "radio", name: "age", value: pair[0], id: id }),
          el("label", { "for": id, text: " " + pair[1] })
        ]));
      });
      consent = el("input", { type: "checkbox", id: "instaply-consent" });
      group.appendChild(el("div", {}, [consent, el("label", { "for": "instaply-consent", text: " " + (words.authorisation || "A parent or guardian authorises me (15 to 17)") })]));
      form.appendChild(group);
      age = group;
    }
    var start = el("button", { "class": "send", type: "submit", text: t("start") });
    form.appendChild(start);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var payload = { locale: LANG };
      Object.keys(fields).forEach(function (name) { payload[name] = fields[name].value; });
      if (age) {
        var picked = age.querySelector("input[name=age]:checked");
        if (picked) { payload.age = picked.value; }
        payload.parental_authorisation = consent.checked;
      }
      request("POST", "/sessions", payload).then(function (data) {
        state.token = data.visitor_token;
        try { window.localStorage.setItem(STORE, state.token); } catch (e) { /* private mode */ }
        chat();
        if (data.notice) { body.insertBefore(el("p", { "class": "notice", role: "status", text: data.notice }), body.firstChild); }
      }).catch(function (error) { showError(form, error); });
    });
    body.appendChild(form);
    body.appendChild(policyLink());
  }

  function policyLink() {
    var text = CONFIG.policy_version ? t("policy_version", { version: CONFIG.policy_version }) : t("policy");
    return el("p", { "class": "policy" }, [el("a", {
      href: CONFIG.policy_url + "?lang=" + encodeURIComponent(LANG),
      target: "_blank", rel: "noopener", text: text
    })]);
  }

  bubble.addEventListener("click", function () {
    state.open = !state.open;
    if (!state.open) { panel.setAttribute("hidden", ""); return; }
    panel.removeAttribute("hidden");
    var ready = state.settings ? Promise.resolve(state.settings) : request("GET", "/config");
    ready.then(function (settings) {
      state.settings = settings; colours(settings);
      header(settings);
      if (!panel.dataset.ready) { panel.dataset.ready = "1"; if (state.token) { chat(); } else { startForm(); } }
      markRead();
    }).catch(function (error) { showError(body, error); });
  });

  function mount() { document.body.appendChild(host); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
