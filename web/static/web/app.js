/* Small behaviours of every page; everything works without it. */
(function () {
  "use strict";
  var Instaply = window.Instaply = window.Instaply || {};

  // The browser's time zone, for people who have not chosen one (web/preferences.py).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* no Intl: times stay in UTC */ }

  // Label colours come as data (the style policy allows no inline styles).
  Instaply.paint = function (root) {
    (root || document).querySelectorAll("[data-colour]").forEach(function (node) {
      if (/^#[0-9a-fA-F]{6}$/.test(node.dataset.colour)) { node.style.setProperty("--label", node.dataset.colour); }
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    Instaply.paint(document);

    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          var done = button.dataset.done;
          if (done) { var before = button.textContent; button.textContent = done; setTimeout(function () { button.textContent = before; }, 2000); }
        });
      });
    });

    // Irreversible actions ask first; the server refuses nothing on that account.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  });
})();
