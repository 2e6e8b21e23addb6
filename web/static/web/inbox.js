/* The inbox, live: long-polls the tenant's event feed (ids and states only) and
   refreshes the list and the open thread from server-rendered fragments; the
   keyboard moves through the list; the reply and note forms send without a reload.
   Without this script every link and form still works, a page at a time. */
(function () {
  "use strict";

  var layout = document.querySelector(".inbox-layout");
  if (!layout) { return; }
  var pane = layout.querySelector("[data-inbox-list]");
  var list = document.getElementById("conversation-list");
  var thread = document.getElementById("thread");
  var threadWrap = layout.querySelector("[data-thread-wrap]");
  var announcer = layout.querySelector("[data-announcer]");
  var openId = layout.dataset.conversation || null;
  var searchForm = pane.querySelector("form.search");
  var searchQuery = pane.hasAttribute("data-search") ? searchForm.elements.q.value : null;
  var paint = (window.Instaply && window.Instaply.paint) || function () {};
  var olderRowsLoaded = false;

  // Fetching ----------------------------------------------------------------------

  function toSignIn(response) {
    // A revoked or signed-out session is sent to the sign-in page: go there.
    if (response.status === 401) {
      response.json().catch(function () { return {}; }).then(function (data) {
        window.location.assign(data.location || "/login/");
      });
      return true;
    }
    var path = new URL(response.url).pathname;
    if (response.redirected && path.indexOf("/login") === 0) {
      window.location.assign(response.url);
      return true;
    }
    return false;
  }

  function fetchFragment(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ "X-Requested-With": "fetch" }, options.headers || {});
    return fetch(url, options).then(function (response) {
      if (toSignIn(response)) { return null; }
      if (response.status === 403 || response.status === 404) { window.location.reload(); return null; }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text().then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        return template.content;
      });
    });
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function announce(text) {
    if (!announcer || !text) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // The list ------------------------------------------------------------------------

  function rowsRequest(cursor) {
    var url = pane.dataset.rowsUrl;
    if (searchQuery !== null) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken());
      body.append("q", searchQuery);
      if (cursor) { body.append("cursor", cursor); }
      return fetchFragment(url, { method: "POST", body: body });
    }
    var query = pane.dataset.query || "";
    if (cursor) { query += (query ? "&" : "") + "cursor=" + encodeURIComponent(cursor); }
    return fetchFragment(url + (query ? "?" + query : ""));
  }

  function rows() { return Array.prototype.slice.call(list.querySelectorAll("li.conv")); }

  function markOpen() {
    rows().forEach(function (row) {
      if (row.dataset.id === openId) { row.setAttribute("aria-current", "page"); }
      else { row.removeAttribute("aria-current"); }
    });
  }

  function mergeRows(fragment) {
    var fetched = Array.prototype.slice.call(fragment.querySelectorAll("li.conv"));
    var more = fragment.querySelector("li[data-more]");
    var lowest = fetched.length ? fetched[fetched.length - 1].dataset.sort : null;
    var ids = {};
    fetched.forEach(function (row) { ids[row.dataset.id] = true; });
    var focusedRow = document.activeElement && document.activeElement.closest ? document.activeElement.closest("li.conv") : null;
    var focusedId = focusedRow ? focusedRow.dataset.id : null;

    // A row in the refreshed span that is not in the answer no longer matches the filters.
    rows().forEach(function (row) {
      if (!ids[row.dataset.id] && (!more || lowest === null || row.dataset.sort >= lowest)) { row.remove(); }
    });
    var previous = null;
    fetched.forEach(function (row) {
      var old = list.querySelector('li.conv[data-id="' + row.dataset.id + '"]');
      if (old && old.outerHTML === row.outerHTML) { row = old; } else if (old) { old.replaceWith(row); }
      var place = previous ? previous.nextSibling : list.firstChild;
      if (row !== place) { list.insertBefore(row, place); }
      previous = row;
    });
    var empty = list.querySelector("[data-empty]");
    if (empty && fetched.length) { empty.remove(); }
    if (!olderRowsLoaded) {
      var oldMore = list.querySelector("li[data-more]");
      if (oldMore) { oldMore.remove(); }
      if (more) { list.appendChild(more); bindMore(more); }
    }
    markOpen();
    paint(list);
    rowsChanged();
    if (focusedId) {
      var again = list.querySelector('li.conv[data-id="' + focusedId + '"] a');
      if (again && document.activeElement !== again) { again.focus({ preventScroll: true }); }
    }
  }

  // For bulk.js: rows were replaced or added (their selection boxes are new).
  function rowsChanged() { list.dispatchEvent(new CustomEvent("inbox:rows")); }

  function refreshList() {
    return rowsRequest(null).then(function (fragment) { if (fragment) { mergeRows(fragment); } });
  }

  function bindMore(item) {
    var link = item && item.querySelector("[data-cursor]");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      rowsRequest(link.dataset.cursor).then(function (fragment) {
        if (!fragment) { return; }
        var first = fragment.querySelector("li.conv a");
        fragment.querySelectorAll("li.conv").forEach(function (row) {
          var old = list.querySelector('li.conv[data-id="' + row.dataset.id + '"]');
          if (old) { old.remove(); }
        });
        var next = fragment.querySelector("li[data-more]");
        item.replaceWith(fragment);
        olderRowsLoaded = true;
        if (next) { bindMore(next); }
        markOpen();
        paint(list);
        rowsChanged();
        if (first) { first.focus(); }
      });
    });
  }
  bindMore(list.querySelector("li[data-more]"));

  // The thread ------------------------------------------------------------------------

  function nearBottom() {
    return !threadWrap || threadWrap.scrollHeight - threadWrap.scrollTop - threadWrap.clientHeight < 80;
  }

  function scrollToEnd() { if (threadWrap) { threadWrap.scrollTop = threadWrap.scrollHeight; } }

  function mergeThread(fragment) {
    var stick = nearBottom();
    var fetched = Array.prototype.slice.call(fragment.querySelectorAll("li.item"));
    var ids = {};
    fetched.forEach(function (item) { ids[item.dataset.id] = true; });
    var known = {};
    thread.querySelectorAll("li.item").forEach(function (item) {
      known[item.dataset.id] = true;
      // Items of the newest page are replaced; older pages loaded by hand stay.
      if (!item.hasAttribute("data-older-page") || ids[item.dataset.id]) { item.remove(); }
    });
    var hasOlderPages = thread.querySelector("[data-older-page]") !== null;
    if (!hasOlderPages) {
      var oldControl = thread.querySelector("li[data-older]");
      if (oldControl) { oldControl.remove(); }
      var control = fragment.querySelector("li[data-older]");
      if (control) { thread.insertBefore(control, thread.firstChild); bindOlder(control); }
    }
    var arrived = fetched.some(function (item) { return !known[item.dataset.id] && item.classList.contains("inbound"); });
    fetched.forEach(function (item) { thread.appendChild(item); });
    if (stick) { scrollToEnd(); }
    return arrived;
  }

  function refreshThread() {
    if (!thread) { return Promise.resolve(false); }
    return fetchFragment(thread.dataset.threadUrl).then(function (fragment) {
      return fragment ? mergeThread(fragment) : false;
    });
  }

  function bindOlder(item) {
    var link = item && item.querySelector("[data-cursor]");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      fetchFragment(thread.dataset.threadUrl + "?cursor=" + encodeURIComponent(link.dataset.cursor)).then(function (fragment) {
        if (!fragment) { return; }
        var items = fragment.querySelectorAll("li.item");
        items.forEach(function (node) { node.setAttribute("data-older-page", ""); });
        var firstNew = items[0];
        item.replaceWith(fragment);
        var next = thread.querySelector("li[data-older]");
        if (next) { bindOlder(next); }
        if (firstNew) { firstNew.scrollIntoView({ block: "start" }); }
      });
    });
  }
  if (thread) { bindOlder(thread.querySelector("li[data-older]")); scrollToEnd(); }

  // The live feed ---------------------------------------------------------------------

  var cursor = layout.dataset.eventsCursor;
  var busy = false, waiting = null;

  function react(events) {
    // A batch that lands while one is applied waits for it, its events kept for
    // the scripts that read them (notify.js, counts.js, widget-live.js).
    if (busy) { waiting = (waiting || []).concat(events); return; }
    busy = true;
    // Other scripts of the page follow the feed too (widget-live.js, counts.js).
    document.dispatchEvent(new CustomEvent("instaply:feed", { detail: events }));
    var touchesOpen = openId && events.some(function (e) { return e.conversation_id === openId; });
    var inbound = events.some(function (e) { return e.kind === "message.created" && e.payload && e.payload.direction === "inbound"; });
    // The thread first: viewing it marks it read, so the list shows no badge for it.
    var step = touchesOpen ? refreshThread() : Promise.resolve(false);
    step.then(refreshList).then(function () {
      if (inbound) { announce(layout.dataset.liveNew); }
    }).catch(function () { /* the next event tries again */ }).then(function () {
      // notify.js: the tab title's unread count, desktop notifications, sound.
      document.dispatchEvent(new CustomEvent("instaply:live", { detail: { events: events } }));
      busy = false;
      if (waiting) { var next = waiting; waiting = null; react(next); }
    });
  }

  function poll() {
    var url = layout.dataset.eventsUrl + "?after=" + encodeURIComponent(cursor) +
      "&wait=" + encodeURIComponent(layout.dataset.eventsWait || "25");
    fetch(url, {
      credentials: "same-origin",
      // Background polling does not count as activity for the idle sign-out.
      headers: { Accept: "application/json", "X-Instaply-Background": "1" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        window.location.reload(); // signed out, revoked, or a second factor is due
        return null;
      }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (!data) { return; }
      cursor = data.cursor;
      if (data.results.length) { react(data.results); }
      poll();
    }).catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();

  // Sending without a reload ---------------------------------------------------------

  document.querySelectorAll("form[data-fetch-form]").forEach(function (form) {
    var error = form.querySelector("[data-form-error]");
    var button = form.querySelector("button[type=submit]");
    var field = form.querySelector("textarea");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!field.value.trim()) { field.focus(); return; }
      error.hidden = true;
      button.disabled = true;
      var label = button.textContent;
      button.textContent = form.dataset.sending;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", Accept: "application/json" }
      }).then(function (response) {
        if (toSignIn(response)) { return null; }
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { throw new Error(data.error || form.dataset.failed); }
          return data;
        });
      }).then(function (data) {
        if (!data) { return; }
        field.value = "";
        field.dispatchEvent(new Event("input"));
        return refreshThread().then(function () { scrollToEnd(); return refreshList(); });
      }).catch(function (problem) {
        error.textContent = problem.message || form.dataset.failed;
        error.hidden = false;
      }).then(function () {
        button.disabled = false;
        button.textContent = label;
        // Back to the box, unless the person moved on (Escape to the list) while it was sending.
        var now = document.activeElement;
        if (!now || now === document.body || now === button || now === field) { field.focus(); }
      });
    });
  });

  // The reply box: Ctrl/Cmd+Enter sends, saved replies, the SMS segment counter ------------

  var reply = document.querySelector("textarea[data-reply]");
  if (reply) {
    var canned = [];
    try { canned = JSON.parse(reply.dataset.canned || "[]"); } catch (e) { canned = []; }
    var suggest = reply.form.querySelector("[data-suggest]");
    var counter = reply.form.querySelector("[data-counter]");
    var picker = reply.form.querySelector("[data-canned-picker]");

    var token = function () {
      var before = reply.value.slice(0, reply.selectionStart);
      var match = /(^|\s)\/([\w-]*)$/.exec(before);
      return match ? { start: before.length - match[2].length - 1, word: match[2] } : null;
    };
    var matches = function (word) {
      return canned.filter(function (c) { return c.shortcut.indexOf(word) === 0; });
    };
    var insert = function (text, start) {
      var end = reply.selectionStart;
      if (start === undefined) { start = end; }
      reply.value = reply.value.slice(0, start) + text + reply.value.slice(end);
      reply.selectionStart = reply.selectionEnd = start + text.length;
      reply.dispatchEvent(new Event("input"));
      reply.focus();
    };
    var showSuggestions = function () {
      if (!suggest) { return; }
      suggest.textContent = "";
      var current = token();
      if (!current) { return; }
      matches(current.word).slice(0, 5).forEach(function (c) {
        var item = document.createElement("li");
        item.textContent = "/" + c.shortcut + " — " + c.text.slice(0, 60) + " (Tab)";
        suggest.appendChild(item);
      });
    };
    var count = function () {
      if (!counter || !window.InstaplySegments) { return; }
      var info = window.InstaplySegments.summary(reply.value);
      var max = parseInt(reply.dataset.maxSegments, 10);
      var text = counter.dataset.template.replace("{segments}", info.segments)
        .replace("{encoding}", info.encoding).replace("{characters}", info.characters);
      if (info.segments > max) { text += " — " + counter.dataset.over; }
      counter.textContent = text;
      counter.classList.toggle("over", info.segments > max);
    };

    reply.addEventListener("input", function () { showSuggestions(); count(); });
    reply.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        reply.form.requestSubmit();
      } else if (event.key === "Tab" && !event.shiftKey) {
        var current = token();
        var found = current ? matches(current.word) : [];
        if (current && found.length) {
          event.preventDefault();
          var exact = found.filter(function (c) { return c.shortcut === current.word; })[0];
          insert((exact || found[0]).text, current.start);
        }
      } else if (event.key === "Escape") {
        reply.blur();
        var row = list.querySelector('li.conv[aria-current="page"] a');
        if (row) { row.focus(); }
      }
    });
    if (picker) {
      picker.hidden = false;
      var select = picker.querySelector("select");
      select.addEventListener("change", function () {
        var chosen = canned.filter(function (c) { return c.shortcut === select.value; })[0];
        if (chosen) { insert(chosen.text); }
        select.value = "";
      });
    }
    count();
  }

  // Keyboard: j/k or arrows through the list, Enter opens, r replies, / searches ------------

  function move(step) {
    var links = rows().map(function (row) { return row.querySelector("a"); });
    if (!links.length) { return; }
    var at = links.indexOf(document.activeElement);
    if (at === -1) {
      var current = list.querySelector('li.conv[aria-current="page"] a');
      at = current ? links.indexOf(current) : (step > 0 ? -1 : links.length);
    }
    var next = links[Math.max(0, Math.min(links.length - 1, at + step))];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable], summary")) { return; }
    var inList = target.closest && target.closest("#conversation-list");
    var key = event.key;
    if (key === "j" || (key === "ArrowDown" && (inList || target === document.body))) { move(1); }
    else if (key === "k" || (key === "ArrowUp" && (inList || target === document.body))) { move(-1); }
    else if (key === "r" && reply) { reply.focus(); }
    else if (key === "/" && searchForm) { searchForm.elements.q.focus(); }
    else { return; }
    event.preventDefault();
  });

  layout.setAttribute("data-live", "ready"); // for tests and styles: the script took over
})();
