/* ocopsite search page: queries the Pagefind index of the product pages in this language.
   Reads and writes ?q=, ?stars=, ?category= and ?place=, so a search can be linked. The
   index holds folded text (see ocopsite/search.py), so the query is folded the same way,
   and the filters are added to it as the words they were indexed as. */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.querySelector("form[data-search]");
  var list = document.getElementById("search-results");
  var count = document.getElementById("search-count");
  var nothing = document.getElementById("search-nothing");
  var more = document.getElementById("search-more");
  var FIELDS = ["stars", "category", "place"];
  var PAGE = 10;
  var SVG = "http://www.w3.org/2000/svg";
  var root = new URL(script.getAttribute("data-root"), location.href).pathname;
  var bundle = new URL(script.getAttribute("data-bundle"), location.href).href;
  var loading = null;
  var latest = 0;
  var timer = 0;

  function pagefind() {
    if (!loading) {
      loading = import(bundle).then(function (module) {
        /* No worker: it would be one more 40 KB download before the first result. */
        return module.options({ baseUrl: root, noWorker: true }).then(function () { return module; });
      });
    }
    return loading;
  }

  function fold(text) {
    /* As ocopsite/search.py folded the index: no tone or vowel marks, đ written d. */
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim();
  }

  function filterWords() {
    /* Filters are indexed as words such as "ocopfstars5" (see ocopsite/search.py). */
    return FIELDS.filter(function (name) { return form.elements[name].value; }).map(function (name) {
      return "ocopf" + name + form.elements[name].value.replace(/-/g, "");
    });
  }

  function remember() {
    var params = new URLSearchParams();
    ["q"].concat(FIELDS).forEach(function (name) {
      if (form.elements[name].value) params.set(name, form.elements[name].value);
    });
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function card(data) {
    var meta = data.meta;
    var item = element("li", "card");
    var icon = document.createElementNS(SVG, "svg");
    icon.setAttribute("class", "icon");
    icon.setAttribute("aria-hidden", "true");
    var use = document.createElementNS(SVG, "use");
    use.setAttribute("href", script.getAttribute("data-icons") + "#" + (meta.icon || "ocop"));
    icon.appendChild(use);
    var link = element("a", "", meta.title);
    link.href = data.url;
    var facts = element("p", "meta");
    var stars = element("span", "stars", "★".repeat(Number(meta.stars) || 0));
    stars.setAttribute("role", "img");
    stars.setAttribute("aria-label", script.getAttribute("data-stars").replace("{n}", meta.stars));
    var status = element("span", "status");
    status.setAttribute("data-status", meta.status || "unknown");
    if (meta.from) {
      status.setAttribute("data-from", meta.from);
      status.setAttribute("data-to", meta.to);
    }
    status.textContent = window.ocopsite ? window.ocopsite.statusLabel(meta.status || "unknown") : "";
    facts.append(stars, " ", status);
    item.append(icon, link, facts);
    if (meta.place) item.appendChild(element("p", "where", meta.place));
    return item;
  }

  function say(found) {
    var text = (found === 1 && script.getAttribute("data-one")) || script.getAttribute("data-other");
    count.textContent = text.replace("{n}", found.toLocaleString(document.documentElement.lang));
  }

  async function show(results, from, ticket) {
    /* Offline, only the results of pages saved on the phone load (see sw.js): show those. A result
       whose fragment the browser's own cache still holds is left out too if its page is not saved. */
    var settled = await Promise.allSettled(results.slice(from, from + PAGE).map(function (r) { return r.data(); }));
    var page = settled.filter(function (s) { return s.status === "fulfilled"; }).map(function (s) { return s.value; });
    if (settled.length && !page.length) throw settled[0].reason;
    if (!navigator.onLine && window.caches) {
      var saved = await Promise.all(page.map(function (data) {
        return caches.match(new URL(data.url, location.href).href, { ignoreSearch: true });
      }));
      page = page.filter(function (data, i) { return saved[i]; });
    }
    if (ticket !== latest) return;
    list.append.apply(list, page.map(card));
    if (window.ocopsite) window.ocopsite.refreshStatus(list);
    more.hidden = from + PAGE >= results.length;
    more.onclick = function () { show(results, from + PAGE, ticket); };
  }

  async function run() {
    var ticket = ++latest;
    var query = fold(form.elements.q.value);
    var words = filterWords();
    remember();
    if (!query && !words.length) {
      list.replaceChildren();
      count.textContent = "";
      nothing.hidden = true;
      more.hidden = true;
      return;
    }
    try {
      var engine = await pagefind();
      var search = await engine.search(words.concat(query ? [query] : []).join(" "));
      if (ticket !== latest) return;
      list.replaceChildren();
      await show(search.results, 0, ticket);
      if (ticket !== latest) return;
      say(search.results.length);  /* last, so that the count announces results already shown */
      nothing.hidden = search.results.length > 0;
    } catch (error) {
      if (ticket === latest) count.textContent = script.getAttribute("data-error");
    }
  }

  var params = new URLSearchParams(location.search);
  ["q"].concat(FIELDS).forEach(function (name) {
    if (params.has(name)) form.elements[name].value = params.get(name);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  form.addEventListener("change", run);
  form.elements.q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  run();
})();
