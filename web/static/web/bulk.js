/* Selecting several conversations of the list for one action (web/working.py):
   click a row's box, Shift+click another to take the range between, or take the
   whole page. The form itself posts without this script; here the count is
   told, the actions wait for a selection, and a refreshed list keeps it. */
(function () {
  "use strict";

  var form = document.getElementById("bulk-form");
  var list = document.getElementById("conversation-list");
  if (!form || !list) { return; }
  var count = form.querySelector("[data-bulk-count]");
  var all = form.querySelector("[data-bulk-all]");
  var actions = form.querySelector("[data-bulk-actions]");
  var chosen = {};
  var anchor = null; // the box clicked last without Shift: one end of a range

  function boxes() { return Array.prototype.slice.call(list.querySelectorAll("input.bulk-pick")); }
  function selected() { return boxes().filter(function (box) { return box.checked; }); }

  function show() {
    var n = selected().length;
    count.textContent = n ? form.dataset.some.replace("{n}", n) : form.dataset.none;
    actions.hidden = n === 0;
    var total = boxes().length;
    all.checked = n > 0 && n === total;
    all.indeterminate = n > 0 && n < total;
    list.classList.toggle("selecting", n > 0);
  }

  function set(box, on) {
    box.checked = on;
    if (on) { chosen[box.value] = true; } else { delete chosen[box.value]; }
    box.closest("li.conv").classList.toggle("picked", on);
  }

  list.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest("input.bulk-pick");
    if (!box) { return; }
    var every = boxes();
    if (event.shiftKey && anchor && every.indexOf(anchor) !== -1) {
      var from = every.indexOf(anchor), to = every.indexOf(box);
      var low = Math.min(from, to), high = Math.max(from, to);
      for (var i = low; i <= high; i++) { set(every[i], box.checked); }
    } else {
      set(box, box.checked);
      anchor = box;
    }
    show();
  });

  all.addEventListener("change", function () {
    boxes().forEach(function (box) { set(box, all.checked); });
    show();
  });

  // The live refresh replaces rows that changed: their boxes come back unticked.
  list.addEventListener("inbox:rows", function () {
    boxes().forEach(function (box) { set(box, !!chosen[box.value]); });
    show();
  });

  // For the keyboard (shortcuts.js): the selection, a row's box, an action.
  window.Instaply = window.Instaply || {};
  window.Instaply.bulk = {
    size: function () { return selected().length; },
    toggle: function (row) {
      var box = row && row.querySelector("input.bulk-pick");
      if (!box) { return; }
      set(box, !box.checked);
      anchor = box;
      show();
    },
    run: function (action, values) {
      var button = form.querySelector('[data-bulk-action="' + action + '"]');
      if (!button || !selected().length) { return false; }
      Object.keys(values || {}).forEach(function (name) { form.elements[name].value = values[name]; });
      form.requestSubmit(button);
      return true;
    },
    focus: function (name) {
      var field = form.elements[name];
      if (!field || !selected().length) { return false; }
      field.focus();
      return true;
    }
  };

  form.querySelector("[data-bulk-all-label]").hidden = false;
  boxes().forEach(function (box) { if (box.checked) { chosen[box.value] = true; } });
  show();
})();
