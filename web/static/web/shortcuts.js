/* Keyboard shortcuts beyond moving through the list (inbox.js): c closes, a
   assigns to me, s snoozes, l labels — the selected conversations when some are
   ticked (bulk.js), the open one otherwise — x ticks the focused row, and ?
   shows every shortcut in a dialog. Each one uses the page's own controls, so
   it does exactly what the button would. Off while typing in a field. */
(function () {
  "use strict";

  var dialog = document.querySelector("[data-shortcuts-dialog]");
  var list = document.getElementById("conversation-list");
  var head = document.querySelector(".conv-head .toolbar");
  var returnTo = null;

  function bulk() { return window.Instaply && window.Instaply.bulk; }
  function selecting() { return bulk() && bulk().size() > 0; }

  function openHelp() {
    if (!dialog || dialog.open) { return; }
    returnTo = document.activeElement;
    dialog.showModal();
    dialog.querySelector("[data-shortcuts-close]").focus();
  }
  if (dialog) {
    dialog.addEventListener("close", function () {
      if (returnTo && returnTo.focus) { returnTo.focus(); }
    });
  }

  function submitHead(action) {
    // The open conversation's status form (close) or "Assign to me" form.
    if (!head) { return false; }
    var button = action === "assign"
      ? head.querySelector('input[name=assignee][value=me] ~ button')
      : head.querySelector('button[name=action][value="' + action + '"]');
    if (!button) { return false; }
    button.form.requestSubmit(button);
    return true;
  }

  function openPopover(summaryText) {
    if (!head) { return false; }
    var popover = head.querySelector("details[data-shortcut=" + summaryText + "]");
    if (!popover) { return false; }
    popover.open = true;
    var first = popover.querySelector("input:checked, input, select");
    if (first) { first.focus(); }
    return true;
  }

  function focusedRow() {
    var at = document.activeElement;
    var row = at && at.closest ? at.closest("li.conv") : null;
    return row || (list && list.querySelector('li.conv[aria-current="page"]'));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select, [contenteditable], summary, dialog");
    if (typing && !(target.matches && target.matches("input.bulk-pick"))) { return; }
    var key = event.key, done = false;
    if (key === "?") { openHelp(); done = true; }
    else if (key === "x") { if (focusedRow() && bulk()) { bulk().toggle(focusedRow()); done = true; } }
    else if (key === "c") { done = selecting() ? bulk().run("close") : submitHead("close"); }
    else if (key === "a") { done = selecting() ? bulk().run("assign", { assignee: "me" }) : submitHead("assign"); }
    else if (key === "s") { done = openPopover("snooze"); }
    else if (key === "l") { done = selecting() ? bulk().focus("label") : openPopover("labels"); }
    if (done) { event.preventDefault(); }
  });
})();
