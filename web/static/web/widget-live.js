/* A website-chat conversation, live both ways: "<visitor> is typing…" under the
   thread, "Seen" on the last reply the visitor's chat showed them, and the
   member's own typing sent to the visitor's chat (one signal every 3 s at most).
   Typing is never stored; the page asks every few seconds while it is in view,
   and a message arriving on the live feed (inbox.js) ends the visitor's typing. */
(function () {
  "use strict";

  var box = document.querySelector("[data-widget-live]");
  var thread = document.getElementById("thread");
  if (!box || !thread) { return; }
  var url = box.dataset.url;
  var every = parseInt(box.dataset.every, 10) || 2500;
  var reply = document.querySelector("textarea[data-reply]");
  var sentAt = 0, timer = null;

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function markSeen(upTo) {
    var old = thread.querySelector("[data-visitor-seen]"); if (old) { old.remove(); }
    if (!upTo) { return; }
    // The newest reply at or before the visitor's marker (ids sort by time).
    var replies = Array.prototype.slice.call(thread.querySelectorAll("li.item.outbound"))
      .filter(function (item) { return item.dataset.id <= upTo; });
    var last = replies[replies.length - 1];
    var state = last && last.querySelector(".state");
    if (!state) { return; }
    var mark = document.createElement("span");
    mark.setAttribute("data-visitor-seen", "");
    mark.className = "visitor-seen";
    mark.textContent = box.dataset.seen;
    state.appendChild(mark);
  }

  function show(typing) {
    var text = typing ? box.dataset.typing : "";
    if (box.textContent !== text) { box.textContent = text; }  // said once, not at every turn
  }

  function ask() {
    if (document.visibilityState !== "visible") { return; }
    fetch(url, {
      credentials: "same-origin",
      // Background polling does not count as activity for the idle sign-out. Marked as
      // a script's request, a revoked session answers 401 instead of a redirect this
      // fetch would follow, consuming the message meant for the sign-in page.
      headers: { Accept: "application/json", "X-Instaply-Background": "1", "X-Requested-With": "fetch" }
    }).then(function (response) {
      // Signed out: the live feed (inbox.js) or the person's next action goes to sign in.
      if (response.status === 401) { window.clearInterval(timer); return null; }
      return response.ok ? response.json() : null;
    })
      .then(function (data) {
        if (!data) { return; }
        show(data.visitor_typing);
        box.dataset.readUpTo = data.visitor_read_up_to || "";
        markSeen(data.visitor_read_up_to);
      }).catch(function () { /* the next turn asks again */ });
  }

  // inbox.js refreshes the thread on feed events: the new items lose the mark, and a
  // visitor's message means they stopped typing.
  document.addEventListener("instaply:feed", function (event) {
    var arrived = (event.detail || []).some(function (e) {
      return e.kind === "message.created" && e.payload && e.payload.direction === "inbound";
    });
    if (arrived) { show(false); }
    window.setTimeout(function () { markSeen(box.dataset.readUpTo); }, 500);
  });

  if (reply) {
    reply.addEventListener("input", function () {
      var now = Date.now();
      if (!reply.value.trim() || now - sentAt < 3000) { return; }
      sentAt = now;
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken());
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json", "X-Requested-With": "fetch" } })
        .catch(function () { /* typing is a nicety */ });
    });
  }

  ask();
  timer = window.setInterval(ask, every);
  document.addEventListener("visibilitychange", ask);
  box.setAttribute("data-ready", "");
  window.addEventListener("pagehide", function () { window.clearInterval(timer); });
})();
