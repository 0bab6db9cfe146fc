/* ocopsite search page: queries the index that ocopsite/search.py writes under search/.
   A result matches every word of the query: the whole word, or, for the last word only and at
   three letters or more, the start of a word of a name; synonyms were added to the index. Products come
   first, then producers, places to visit and shops, and places. Reads and writes ?q=, ?stars=,
   ?category= and ?place=, so that a search can be linked. Without a connection (the service
   worker marks what it answers from its cache), only the pages saved on the phone are searched. */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.querySelector("form[data-search]");
  var list = document.getElementById("search-results");
  var others = document.getElementById("search-other-results");
  var count = document.getElementById("search-count");
  var nothing = document.getElementById("search-nothing");
  var suggest = document.getElementById("search-suggest");
  var more = document.getElementById("search-more");
  var moreOthers = document.getElementById("search-more-others");
  var FIELDS = ["stars", "category", "place"];
  var PAGE = 20;
  var FEW = 4; /* results drawn between two paints */
  var SVG = "http://www.w3.org/2000/svg";
  var base = new URL(script.getAttribute("data-index"), location.href);
  var root = new URL("../", base);
  var lang = script.getAttribute("data-lang");
  var files = {};
  var latest = 0;
  var timer = 0;
  var drawn = null; /* the results on screen, as the list of their numbers */

  var wentOffline = false;
  function Offline() { this.offline = true; }

  /* A file of the index. What the service worker answers from its cache, for want of a
     connection, is marked so: then only the pages saved on the phone are searched. */
  function get(path) {
    if (!files[path]) {
      files[path] = fetch(new URL(path, base)).then(function (response) {
        if (response.headers.get("X-Ocopsite-Offline")) {
          wentOffline = true;
          delete files[path];
        }
        if (response.status === 404) return null;
        if (!response.ok) throw new Error(response.status);
        return response.json();
      }, function () {
        wentOffline = true;
        throw new Offline();
      });
      files[path].catch(function () { delete files[path]; });
    }
    return files[path];
  }

  function fold(text) {
    /* As ocopsite/search.py folds the index: no tone or vowel marks, đ written d, no apostrophes. */
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/['’]/g, "");
  }
  function words(text) { return fold(text).match(/[a-z0-9]+/g) || []; }

  function decode(text) {
    var out = [], last = 0;
    if (!text) return out;
    text.split(",").forEach(function (part) { last += parseInt(part, 36); out.push(last); });
    return out;
  }

  /* The documents a word finds: every token it is, or (prefix) starts. A prefix completes only
     to words of names (shard[token][0], the documents that have it in a name): "ca phe" typed
     whole must not find "cả … phép" in a description. */
  function find(word, prefix) {
    return get("t/" + word.slice(0, 3) + ".json").then(function (shard) {
      var all = new Set(), named = new Set();
      Object.keys(shard || {}).forEach(function (token) {
        if (token === word || (prefix && shard[token][0] && token.indexOf(word) === 0)) {
          decode(shard[token][1]).forEach(function (n) { all.add(n); });
          decode(shard[token][0]).forEach(function (n) { named.add(n); });
        }
      });
      return { all: all, named: named };
    });
  }

  function filterSets() {
    return Promise.all(FIELDS.filter(function (name) { return form.elements[name].value; }).map(function (name) {
      return get("f/" + name + "-" + form.elements[name].value + ".json").then(function (found) {
        return new Set(decode(found || ""));
      });
    }));
  }

  function intersect(sets) {
    return sets.slice(1).reduce(function (kept, set) {
      return new Set(Array.from(kept).filter(function (n) { return set.has(n); }));
    }, sets[0]);
  }

  function searchIndex(query, meta) {
    var terms = words(query);
    return Promise.all([Promise.all(terms.map(function (word, i) {
      return find(word, i === terms.length - 1 && word.length >= 3);
    })), filterSets()]).then(function (found) {
      var matches = found[0], filters = found[1];
      var sets = matches.map(function (m) { return m.all; }).concat(filters);
      if (!terms.length) sets.push(new Set(Array.from({ length: meta.products }, function (_, n) { return n; })));
      var hits = Array.from(intersect(sets));
      var score = function (n) { return matches.filter(function (m) { return m.named.has(n); }).length; };
      hits.sort(function (a, b) {
        return (a >= meta.products) - (b >= meta.products) || score(b) - score(a) || a - b;
      });
      return { hits: hits, misses: terms.filter(function (_, i) { return !matches[i].all.size; }) };
    });
  }

  function shown(meta, numbers) {
    var chunks = Array.from(new Set(numbers.map(function (n) { return Math.floor(n / meta.chunk); })));
    return Promise.all(chunks.map(function (c) { return get(lang + "/" + c + ".json"); })).then(function (loaded) {
      var byChunk = {};
      chunks.forEach(function (c, i) { byChunk[c] = loaded[i].d; });
      return numbers.map(function (n) { return byChunk[Math.floor(n / meta.chunk)][n % meta.chunk]; });
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function card(doc) {
    /* [url, title, kind, stars, status, ends from, ends to, drawing, line] */
    var link = element("a", "", doc[1]);
    link.href = new URL(doc[0], root).href;
    if (doc[2] !== "p") {
      var row = element("li");
      row.append(link, element("span", "meta", script.getAttribute("data-kind-" + KINDS[doc[2]]) + " · " + doc[8]));
      return row;
    }
    var item = element("li", "card");
    var art = document.createElementNS(SVG, "svg");
    art.setAttribute("class", "thumb");
    art.setAttribute("width", "64");
    art.setAttribute("height", "64");
    art.setAttribute("aria-hidden", "true");
    var use = document.createElementNS(SVG, "use");
    use.setAttribute("href", script.getAttribute("data-art") + "#" + (doc[7] || "default"));
    art.appendChild(use);
    var facts = element("p", "meta");
    var stars = element("span", "stars", "★".repeat(doc[3]));
    stars.setAttribute("role", "img");
    stars.setAttribute("aria-label", script.getAttribute("data-stars").replace("{n}", doc[3]));
    var status = element("span", "status");
    status.setAttribute("data-status", doc[4]);
    if (doc[5]) status.setAttribute("data-from", doc[5]);
    if (doc[6]) status.setAttribute("data-to", doc[6]);
    status.textContent = window.ocopsite ? window.ocopsite.statusLabel(doc[4]) : "";
    facts.append(stars, " ", status);
    item.append(art, link, facts, element("p", "where", doc[8]));
    return item;
  }
  var KINDS = { p: "product", r: "producer", t: "tourism", l: "place" };

  function say(found) {
    var text = (found === 1 && script.getAttribute("data-one")) || script.getAttribute("data-other");
    count.textContent = text.replace("{n}", found.toLocaleString(document.documentElement.lang));
  }

  /* After the browser has painted what was drawn so far. */
  function afterPaint() {
    return new Promise(function (resolve) { requestAnimationFrame(function () { setTimeout(resolve, 0); }); });
  }

  /* The next PAGE results of ``numbers`` into ``into``; ``button`` adds the PAGE after. They
     are drawn a few at a time, each few painted before the next: a phone shows the first
     results at once, and a key typed meanwhile stops drawing what it made stale. Products and
     the other kinds are paged apart, so that a place's name that finds thousands of producers
     costs no more than a page of them. */
  function page(meta, numbers, into, button, from, ticket) {
    button.hidden = true;
    into.setAttribute("aria-busy", "true");
    return shown(meta, numbers.slice(from, from + PAGE)).then(function draw(docs) {
      if (ticket !== latest) return;
      into.append.apply(into, docs.slice(0, FEW).map(card));
      if (window.ocopsite) window.ocopsite.refreshStatus(into);
      if (docs.length > FEW) return afterPaint().then(function () { return draw(docs.slice(FEW)); });
      into.removeAttribute("aria-busy");
      button.hidden = from + PAGE >= numbers.length;
      button.onclick = function () { page(meta, numbers, into, button, from + PAGE, ticket); };
    });
  }

  function show(meta, hits, ticket) {
    var rest = hits.filter(function (n) { return n >= meta.products; });
    others.parentNode.hidden = !rest.length;
    shown(meta, rest.slice(0, PAGE)).catch(function () {}); /* fetched beside the products, drawn after them */
    return page(meta, hits.filter(function (n) { return n < meta.products; }), list, more, 0, ticket)
      .then(function () { return page(meta, rest, others, moreOthers, 0, ticket); });
  }

  /* Offline: the pages of this language saved on the phone, matched by the same rule. */
  function searchSaved(query, synonyms) {
    var terms = words(query);
    return caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.open(name).then(function (c) { return c.keys(); }); }));
    }).then(function (lists) {
      var urls = [].concat.apply([], lists).map(function (r) { return r.url; }).filter(function (url) {
        return url.indexOf(new URL(lang + "/", root).href) === 0 && /\/$/.test(url);
      });
      return Promise.all(Array.from(new Set(urls)).map(function (url) {
        return caches.match(url).then(function (r) { return r.text(); }).then(function (html) { return [url, html]; });
      }));
    }).then(function (pages) {
      return pages.map(function (page) {
        var doc = new DOMParser().parseFromString(page[1], "text/html");
        var product = doc.querySelector("article.product");
        if (!product || (FIELDS.some(function (name) { return form.elements[name].value; }))) return null;
        var text = Array.from(product.querySelectorAll("h1, .lead, .facts dd, .prose")).map(function (n) {
          return n.textContent;
        }).join(" \u0000 ");
        var named = Array.from(product.querySelectorAll("h1, .facts dd")).map(function (n) {
          return n.textContent;
        }).join(" ");
        if (!matches(terms, text, named, synonyms)) return null;
        var stars = product.querySelector(".verdict .stars");
        var status = product.querySelector(".status-line .status");
        var art = product.querySelector(".title use");
        return [page[0].slice(root.href.length), doc.querySelector("h1").textContent, "p",
          stars ? stars.textContent.length : 0, status ? status.getAttribute("data-status") : "unknown",
          status && status.getAttribute("data-from") || "", status && status.getAttribute("data-to") || "",
          art ? art.getAttribute("href").split("#")[1] : "default", ""];
      }).filter(Boolean);
    });
  }

  /* The rule of the index, on a saved page's text: a prefix completes only to words of names
     (the title and the facts: names, producer, place, category). */
  function matches(terms, text, named, synonyms) {
    var found = words(text.replace(/\u0000/g, " , "));
    var have = new Set(found);
    var joined = " " + words(text).join(" ") + " ";
    synonyms.forEach(function (group) {
      if (group.some(function (term) { return term && joined.indexOf(" " + term + " ") >= 0; })) {
        group.forEach(function (term) { term.split(" ").forEach(function (w) { have.add(w); }); });
      }
    });
    return terms.every(function (word, i) {
      if (have.has(word)) return true;
      if (i !== terms.length - 1 || word.length < 3) return false;
      return words(named).some(function (token) { return token.indexOf(word) === 0; });
    });
  }

  /* Words of the index one or two letters away from a word that found nothing. */
  function close(word, known) {
    function distance(a, b) {
      var row = Array.from({ length: b.length + 1 }, function (_, j) { return j; });
      for (var i = 1; i <= a.length; i++) {
        var prev = row[0]++;
        for (var j = 1; j <= b.length; j++) {
          var keep = row[j];
          row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
          prev = keep;
        }
      }
      return row[b.length];
    }
    var limit = word.length > 5 ? 2 : 1;
    return known.filter(function (w) { return Math.abs(w.length - word.length) <= limit && distance(word, w) <= limit; })
      .slice(0, 3);
  }

  function offerSpellings(query, misses) {
    suggest.hidden = true;
    if (!misses.length) return;
    get("words.json").then(function (known) {
      var span = suggest.querySelector("span");
      span.replaceChildren();
      misses.forEach(function (miss) {
        close(miss, known || []).forEach(function (word) {
          var link = element("a", "", fold(query).replace(miss, word));
          link.href = "?q=" + encodeURIComponent(link.textContent);
          span.append(link, " ");
        });
      });
      suggest.hidden = !span.children.length;
    }).catch(function () {});
  }

  function remember() {
    var params = new URLSearchParams();
    ["q"].concat(FIELDS).forEach(function (name) {
      if (form.elements[name].value) params.set(name, form.elements[name].value);
    });
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
    document.getElementById("search-clear").hidden = !FIELDS.some(function (name) { return form.elements[name].value; });
  }

  function reset() {
    drawn = null;
    list.replaceChildren();
    others.replaceChildren();
    others.parentNode.hidden = true;
    more.hidden = true;
    moreOthers.hidden = true;
    list.removeAttribute("aria-busy");
    others.removeAttribute("aria-busy");
  }

  async function run() {
    var ticket = ++latest;
    var query = form.elements.q.value;
    remember();
    var filtered = FIELDS.some(function (name) { return form.elements[name].value; });
    if (!words(query).length && !filtered) {
      reset();
      count.textContent = "";
      nothing.hidden = true;
      return;
    }
    var offline = document.getElementById("search-offline");
    wentOffline = false;
    try {
      var meta = await get("meta.json");
      var found = await searchIndex(query, meta);
      if (wentOffline) throw new Offline();
      if (ticket !== latest) return;
      offline.hidden = true;
      /* One more letter often finds the same results ("xoa", "xoai"): those on screen stay,
         with the pages of them already shown, instead of being drawn again. */
      var numbers = found.hits.join(",");
      if (numbers !== drawn) {
        reset();
        await show(meta, found.hits, ticket);
        if (ticket !== latest) return;
        drawn = numbers;
      }
      say(found.hits.filter(function (n) { return n < meta.products; }).length);
      nothing.hidden = found.hits.length > 0;
      if (!found.hits.length) offerSpellings(query, found.misses);
    } catch (error) {
      if (ticket !== latest) return;
      if (!(error instanceof Offline) || !window.caches) {
        count.textContent = script.getAttribute("data-error");
        return;
      }
      var saved = await searchSaved(query, ((await get("meta.json").catch(function () { return null; })) || { synonyms: [] }).synonyms);
      if (ticket !== latest) return;
      reset();
      offline.hidden = false;
      list.append.apply(list, saved.map(card));
      if (window.ocopsite) window.ocopsite.refreshStatus(list);
      say(saved.length);
      nothing.hidden = saved.length > 0;
      suggest.hidden = true;
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
    timer = setTimeout(run, 80);
  });
  run();
})();
