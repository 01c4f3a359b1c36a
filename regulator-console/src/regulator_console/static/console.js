// Suyuan regulator console: the little script the pages share (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var toggle = document.querySelector("[data-toggle-nav]");
    var nav = document.getElementById("nav");
    if (toggle && nav) {
      var narrow = window.matchMedia("(max-width: 720px)");
      var sync = function () {
        if (narrow.matches) {
          nav.setAttribute("data-collapsed", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
        } else {
          nav.removeAttribute("data-collapsed");
        }
      };
      toggle.addEventListener("click", function () {
        toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
        sync();
      });
      narrow.addEventListener("change", sync);
      sync();
    }
  });
})();
