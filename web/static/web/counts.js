/* The counts on the inbox's status tabs, live. inbox.js fires "instaply:feed"
   with each batch of the live feed before it applies it; when a batch could
   change a count (a conversation the page has not seen yet, a status change, a
   change of hands under an assignee filter, a label change under a label
   filter), this script asks the counts endpoint (counts only, under the list's
   filters) again, at most once every few seconds. Without this script the tabs
   are right at each load. */
(function () {
  "use strict";

  var nav = document.querySelector("[data-status-counts-url]");
  if (!nav) { return; } // a search: the tabs show no counts
  var url = nav.dataset.statusCountsUrl;
  var filters = new URLSearchParams(url.split("?")[1] || "");
  var byAssignee = filters.has("assignee"), byLabel = filters.has("label");
  // Each query reads up to 1,000 index entries per status: cheap, but not per event.
  var EVERY_MS = 3000;

  // What the page knows of each conversation: the rows at load, then the feed.
  var known = {};
  document.querySelectorAll("#conversation-list li.conv").forEach(function (row) {
    known[row.dataset.id] = { status: row.dataset.status, assignee: row.dataset.assignee || "" };
  });

  function matters(event) {
    var id = event.conversation_id, was = known[id], payload = event.payload || {};
    if (event.kind === "message.created") {
      if (was) { return false; }
      // Not seen yet: a new conversation, or one outside the page; its status comes later.
      known[id] = { status: null, assignee: null };
      return true;
    }
    if (event.kind !== "conversation.updated" && event.kind !== "conversation.assignment_changed") {
      return false;
    }
    // A message's files changed (attachments): the conversation's state did not.
    if (!("status" in payload)) { return false; }
    var now = { status: payload.status, assignee: payload.assignee_id || "" };
    known[id] = now;
    if (!was || was.status !== now.status) { return true; }
    if (byAssignee && was.assignee !== now.assignee) { return true; }
    // Label changes are "conversation.updated" with the same status and assignee.
    return byLabel && event.kind === "conversation.updated";
  }

  function show(data) {
    Object.keys(data).forEach(function (status) {
      var tab = nav.querySelector('[data-status-tab="' + status + '"]');
      if (!tab) { return; }
      var shown = data[status].shown;
      var badge = tab.querySelector("[data-status-count]");
      if (!shown) { if (badge) { badge.remove(); } return; }
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "tab-count";
        badge.setAttribute("data-status-count", status);
        tab.appendChild(document.createTextNode(" "));
        tab.appendChild(badge);
      }
      if (badge.textContent !== shown) { badge.textContent = shown; }
    });
  }

  var last = 0, timer = null;

  function ask() {
    last = Date.now();
    fetch(url, {
      credentials: "same-origin",
      // Background work does not count as activity for the idle sign-out.
      headers: { Accept: "application/json", "X-Instaply-Background": "1" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) { show(data); }
    }).catch(function () { /* the next change asks again */ });
  }

  // At once after a quiet while; otherwise once, when the few seconds are up.
  function soon() {
    if (timer) { return; }
    timer = window.setTimeout(function () {
      timer = null;
      ask();
    }, Math.max(0, last + EVERY_MS - Date.now()));
  }

  document.addEventListener("instaply:feed", function (event) {
    var events = event.detail || [];
    // Every event updates what the page knows, so no short-circuit here.
    var changed = events.map(matters).some(Boolean);
    if (changed) { soon(); }
  });
})();
