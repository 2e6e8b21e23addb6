/* The demo pages: the simulated phone refreshes its texts; login codes count down. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var screen = document.querySelector("[data-phone-texts]");
    if (screen) {
      var refresh = function () {
        fetch(screen.dataset.phoneTexts, { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) { if (html !== null && html !== screen.dataset.last) { screen.dataset.last = html; screen.innerHTML = html; } })
          .catch(function () { /* the simulator may be restarting */ })
          .then(function () { window.setTimeout(refresh, 1500); });
      };
      window.setTimeout(refresh, 1500);
    }
    var seconds = document.querySelectorAll("[data-seconds]");
    if (seconds.length) {
      var left = parseInt(seconds[0].dataset.seconds, 10);
      window.setInterval(function () {
        left -= 1;
        if (left <= 0) { window.location.reload(); return; }
        seconds.forEach(function (node) { node.textContent = node.textContent.replace(/\d+/, String(left)); });
      }, 1000);
    }
  });
})();
