/* Notifications in the page: the unread count in the tab's title, the badge of
   the Notices link, desktop notifications and sound for new messages in
   conversations assigned to me or unassigned (per-person preferences), and the
   @ suggestions of the note box. inbox.js fires "instaply:live" after each batch
   of the live feed it applied; this script asks /api/v1/me/unread (counts and
   ids, never content) what it means for the person. Without this script the
   title and the badge are right at each load. */
(function () {
  "use strict";

  // The preferences page: the browser asks for permission only when the person
  // turns desktop notifications on.
  var toggle = document.querySelector("[data-desktop-toggle]");
  if (toggle) {
    var denied = document.querySelector("[data-permission-denied]");
    toggle.addEventListener("change", function () {
      if (!toggle.checked || !("Notification" in window)) { return; }
      if (Notification.permission === "granted") { return; }
      Notification.requestPermission().then(function (answer) {
        if (answer === "denied" && denied) { denied.hidden = false; }
      });
    });
    if ("Notification" in window && Notification.permission === "denied" && toggle.checked && denied) {
      denied.hidden = false;
    }
  }

  var script = document.getElementById("notify-script");
  if (!script) { return; }
  var layout = document.querySelector(".inbox-layout");
  var openId = layout ? layout.dataset.conversation || null : null;
  var base = document.title.replace(/^\(\d+\+?\) /, "");
  var wantsDesktop = script.dataset.desktop === "1";
  var wantsSound = script.dataset.sound === "1";

  // The title ------------------------------------------------------------------------

  function setTitle(count, more) {
    document.title = (count ? "(" + count + (more ? "+" : "") + ") " : "") + base;
  }

  // The Notices link's badge: same markup as web/base.html renders ---------------------

  var bell = document.querySelector("a.notices-link");

  function setNotices(count) {
    if (!bell || String(count) === bell.dataset.unread) { return; }
    bell.dataset.unread = String(count);
    var badge = bell.querySelector(".badge");
    if (!count) {
      if (badge) { badge.remove(); }
      var text = bell.lastChild;
      if (text && text.nodeType === Node.TEXT_NODE) { text.textContent = text.textContent.replace(/\s+$/, ""); }
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = (bell.dataset.unreadLabel || "unread:") + " ";
      badge.appendChild(hidden);
      badge.appendChild(document.createTextNode(""));
      bell.appendChild(document.createTextNode(" "));
      bell.appendChild(badge);
    }
    badge.lastChild.textContent = String(count);
  }

  // Sound and desktop notifications ----------------------------------------------------

  var audio = null;
  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      var tone = audio.createOscillator();
      var volume = audio.createGain();
      tone.frequency.value = 880;
      volume.gain.setValueAtTime(0.15, audio.currentTime);
      volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(volume);
      volume.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch (e) { /* a browser that refuses sound before a click: stay quiet */ }
  }

  function showDesktop(id) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    // Who wrote and what stay out of it: notifications show on locked screens.
    var note = new Notification(script.dataset.notificationTitle, {
      body: script.dataset.notificationBody,
      tag: "instaply-" + id
    });
    note.onclick = function () {
      window.focus();
      window.location.assign("/c/" + id + "/");
      note.close();
    };
  }

  function alertFor(ids) {
    var looking = document.visibilityState === "visible" && document.hasFocus();
    // The conversation on screen needs no alert while the person looks at it.
    var fresh = ids.filter(function (id) { return !(looking && id === openId); });
    if (!fresh.length) { return; }
    if (wantsSound) { chime(); }
    if (wantsDesktop && !looking) { fresh.slice(0, 3).forEach(showDesktop); }
    document.documentElement.setAttribute("data-notified", fresh.join(" ")); // for tests
  }

  // Asking the server ------------------------------------------------------------------

  function refresh(events) {
    var arrived = [];
    (events || []).forEach(function (e) {
      var inbound = e.kind === "message.created" && e.payload && e.payload.direction === "inbound";
      if (inbound && arrived.indexOf(e.conversation_id) === -1) { arrived.push(e.conversation_id); }
    });
    var query = arrived.slice(0, 50).map(function (id) {
      return "conversation=" + encodeURIComponent(id);
    }).join("&");
    fetch(script.dataset.unreadUrl + (query ? "?" + query : ""), {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Instaply-Background": "1" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      setTitle(data.conversations, data.more);
      if (typeof data.notices === "number") { setNotices(data.notices); }
      if (data.notify && data.notify.length) { alertFor(data.notify); }
    }).catch(function () { /* the next event tries again */ });
  }

  document.addEventListener("instaply:live", function (event) {
    refresh(event.detail && event.detail.events);
  });
  // Read in another tab meanwhile (a conversation, the notices page): the counts
  // are asked again when this one is back, or shown again from the back button.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh([]); }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { refresh([]); }
  });

  // @ suggestions in the note box --------------------------------------------------------

  var box = document.getElementById("note-body");
  var people = [];
  try { people = JSON.parse(script.dataset.people || "[]"); } catch (e) { people = []; }
  if (!box || !people.length) { return; }
  var list = document.createElement("ul");
  list.className = "suggest mention-suggest";
  list.id = "mention-suggest";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", script.dataset.suggestLabel || "");
  list.hidden = true;
  box.insertAdjacentElement("afterend", list);
  box.setAttribute("aria-controls", list.id);
  var shown = [], chosen = 0;

  function typed() {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(^|[^\w@.])@([^@\n]{0,40})$/.exec(before);
    return match ? { start: before.length - match[2].length - 1, word: match[2] } : null;
  }

  function close() { list.hidden = true; shown = []; list.textContent = ""; }

  function render() {
    list.textContent = "";
    shown.forEach(function (person, index) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.dataset.member = person.id;
      item.textContent = "@" + person.name;
      if (index === chosen) { item.setAttribute("aria-selected", "true"); }
      item.addEventListener("mousedown", function (event) { event.preventDefault(); insert(person); });
      list.appendChild(item);
    });
    list.hidden = !shown.length;
  }

  function suggest() {
    var current = typed();
    if (!current) { close(); return; }
    var word = current.word.toLowerCase();
    shown = people.filter(function (person) {
      var name = person.name.toLowerCase();
      return name.indexOf(word) === 0 || name.indexOf(" " + word) !== -1;
    }).slice(0, 6);
    chosen = 0;
    render();
  }

  function insert(person) {
    var current = typed();
    if (!current) { close(); return; }
    var end = box.selectionStart;
    var text = "@" + person.name + " ";
    box.value = box.value.slice(0, current.start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = current.start + text.length;
    close();
    box.focus();
  }

  box.addEventListener("input", suggest);
  box.addEventListener("blur", close);
  box.addEventListener("keydown", function (event) {
    if (list.hidden || !shown.length) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      chosen = (chosen + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if (event.key === "Enter" || event.key === "Tab") {
      insert(shown[chosen]);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
