/* ocopsite: the only script of the catalogue pages. Pages work without it.
   1. Remembers the language a reader picks, and opens it from "/" and short links.
   2. Narrows product lists in place by star level, category and place.
   3. Re-computes each certificate status for the reader's own date.
   4. Registers the service worker (sw.js, at the site's root) that keeps pages for offline use. */
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

  var pick = document.documentElement.getAttribute("data-pick");
  if (script && "serviceWorker" in navigator) {
    /* This file is in assets/, so the worker is one folder up. */
    navigator.serviceWorker.register(new URL("../sw.js", script.src)).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      /* Save the search files of the language read (the language choice pages have none). */
      if (!pick) registration.active.postMessage({ search: document.documentElement.lang });
    }).catch(function () { /* not served over https or from localhost: no offline copies */ });
  }
  if (pick) {
    var links = document.querySelectorAll("a[data-lang]");
    var byLang = {};
    for (var i = 0; i < links.length; i++) byLang[links[i].getAttribute("data-lang")] = links[i];
    var want = stored();
    if (!byLang[want] && pick === "auto") {
      var prefs = navigator.languages || [navigator.language || ""];
      for (var j = 0; j < prefs.length && !byLang[want]; j++) want = String(prefs[j]).slice(0, 2).toLowerCase();
      if (!byLang[want] && links.length) want = links[0].getAttribute("data-lang");
    }
    if (byLang[want]) location.replace(byLang[want].href);
  }

  function narrow(form) {
    var list = form.nextElementSibling;
    if (!list || !list.classList.contains("cards")) return;
    var cards = list.children;
    var count = form.querySelector(".count");
    function apply() {
      var shown = 0;
      for (var i = 0; i < cards.length; i++) {
        var card = cards[i];
        var keep = ["stars", "category", "place"].every(function (name) {
          var want = form.elements[name].value;
          return !want || card.getAttribute("data-" + name) === want;
        });
        card.hidden = !keep;
        if (keep) shown++;
      }
      var text = (shown === 1 && form.getAttribute("data-one")) || form.getAttribute("data-other");
      count.textContent = text.replace("{n}", shown.toLocaleString(document.documentElement.lang));
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }
  var forms = document.querySelectorAll("form.narrow");
  for (var f = 0; f < forms.length; f++) narrow(forms[f]);

  function iso(date) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }
  if (!script || !script.hasAttribute("data-soon")) return;
  function refresh(root) {
    var now = new Date();
    var today = iso(now);
    var soon = iso(new Date(now.getTime() + Number(script.getAttribute("data-soon")) * 864e5));
    var badges = root.querySelectorAll(".status[data-from]");
    for (var k = 0; k < badges.length; k++) {
      var el = badges[k];
      var from = el.getAttribute("data-from");
      var to = el.getAttribute("data-to");
      var code = to < today ? "expired" : from > soon ? "valid" : from >= today ? "expiring" : "unknown";
      if (el.getAttribute("data-status") !== code || !el.textContent) {
        el.setAttribute("data-status", code);
        el.textContent = script.getAttribute("data-" + code);
      }
    }
  }
  refresh(document);
  window.ocopsite = { refreshStatus: refresh, statusLabel: function (code) { return script.getAttribute("data-" + code); } };
})();
