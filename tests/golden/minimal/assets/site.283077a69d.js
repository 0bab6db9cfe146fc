/* ocopsite: the only script of the catalogue pages. Pages work without it.
   1. Opens the reader's language from "/" and short links: the one chosen before, else the
      browser's, showing which for a moment; remembers the language a reader picks.
   2. Works each certificate status out again for the reader's own day.
   3. Registers the service worker (sw.js, at the site's root) that keeps pages for offline use,
      and asks it to save the language being read, unless the browser asks to save data. */
(function () {
  "use strict";
  var script = document.currentScript;
  var KEY = "ocopsite-lang";

  function remember(code) {
    try { localStorage.setItem(KEY, code); } catch (e) { /* private mode */ }
  }
  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-lang]");
    if (link) remember(link.getAttribute("data-lang"));
  });

  function sparing() {
    var connection = navigator.connection;
    return !!connection && (connection.saveData || /(^|-)2g$/.test(connection.effectiveType || ""));
  }

  var pick = document.documentElement.hasAttribute("data-pick");
  if (script && "serviceWorker" in navigator) {
    /* This file is in assets/, so the worker is one folder up. */
    navigator.serviceWorker.register(new URL("../sw.js", script.src)).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (!pick && !sparing()) registration.active.postMessage({ save: document.documentElement.lang });
    }).catch(function () { /* not served over https or from localhost: no offline copies */ });
  }
  if (pick) {
    var links = document.querySelectorAll("a[data-lang]");
    var byLang = {};
    for (var i = 0; i < links.length; i++) byLang[links[i].getAttribute("data-lang")] = links[i];
    var want = stored();
    if (!byLang[want]) {
      var prefs = navigator.languages || [navigator.language || ""];
      for (var j = 0; j < prefs.length && !byLang[want]; j++) want = String(prefs[j]).slice(0, 2).toLowerCase();
    }
    var chosen = byLang[want];
    if (chosen) {
      remember(want);
      var opening = document.querySelector(".opening");
      if (opening) opening.textContent = chosen.getAttribute("data-opening") || "";
      setTimeout(function () { location.replace(chosen.href); }, 400);
    }
  }

  function iso(date) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }
  if (!script || !script.hasAttribute("data-soon")) return;
  /* The rule of ocopsite/catalogue.py, certificate_status: valid while even the first possible end
     is after the soon window, ended once even the last possible end has passed. */
  function refresh(root) {
    var now = new Date();
    var today = iso(now);
    var soon = iso(new Date(now.getTime() + Number(script.getAttribute("data-soon")) * 864e5));
    var badges = root.querySelectorAll(".status[data-from], .status[data-to]");
    for (var k = 0; k < badges.length; k++) {
      var el = badges[k];
      var from = el.getAttribute("data-from");
      var to = el.getAttribute("data-to");
      var code = to && to < today ? "expired" : from && from > soon ? "valid" : from && from >= today ? "expiring" : "unknown";
      var text = el.getAttribute("data-" + code) || script.getAttribute("data-" + code);
      if (el.getAttribute("data-status") !== code || el.textContent !== text) {
        el.setAttribute("data-status", code);
        el.textContent = text;
      }
    }
  }
  refresh(document);
  window.ocopsite = { refreshStatus: refresh, statusLabel: function (code) { return script.getAttribute("data-" + code); } };
})();
