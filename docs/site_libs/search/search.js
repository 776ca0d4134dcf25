// The site's search: Lunr over one record per section, maths as text, synonyms from the notation page's crosswalk.
// Written by tools/search_index.py (its docstring has the design); do not edit in docs/. Runs in the browser, where it
// drives smalldocs' search boxes, and in node, where tools/search_index.py builds the index with it.
(function () {
  "use strict";
  var FIELDS = { heading: 4, lead: 3, text: 1 };  // boosts; a page's title is the heading of its opening record
  var EXACT = 10, PREFIX = 3, FUZZY = 1;  // an exact (stemmed) match, a prefix, one typo
  var PHRASE = 2;  // a heading or title holding the whole query (or a synonym of it) in order

  function engine(lunr) {
    var stem = function (w) { return lunr.stemmer(new lunr.Token(w, {})).toString(); };
    var isStop = function (w) { return lunr.stopWordFilter(new lunr.Token(w, {})) === undefined; };
    // words: letters, combining marks, digits and underscores; section numbers like 2.1.6; modifier letters (ᵀ) split
    var words = function (text) {
      return (String(text || "").normalize("NFC").toLowerCase().replace(/\p{Lm}/gu, " ")
        .match(/\d+(?:\.\d+)+|[\p{L}\p{M}\p{Nd}_]+/gu) || []).map(function (w) { return w.replace(/^_+|_+$/g, ""); });
    };
    // the terms of a text: its words of two characters or more, and the parts of a snake_case word
    var terms = function (text) {
      var out = [];
      words(text).forEach(function (w) {
        if (w.length > 1) out.push(w);
        if (w.indexOf("_") > 0) w.split("_").forEach(function (p) { if (p.length > 1) out.push(p); });
      });
      return out;
    };
    var tokenizer = function (obj, metadata) {
      return terms(obj).map(function (t) { return new lunr.Token(t, lunr.utils.clone(metadata) || {}); });
    };
    var build = function (records) {
      return lunr(function () {
        var b = this;
        b.ref("id");
        b.tokenizer = tokenizer;
        b.pipeline.reset();
        b.pipeline.add(lunr.stopWordFilter, lunr.stemmer);
        b.searchPipeline.reset();
        b.searchPipeline.add(lunr.stemmer);
        Object.keys(FIELDS).forEach(function (f) { b.field(f, { boost: FIELDS[f] }); });
        records.forEach(function (r, i) {
          b.add({ id: String(i), heading: r.first ? r.title + " " + r.heading : r.heading, lead: r.lead, text: r.text });
        });
      });
    };
    // the query's words without stop words (unless it is nothing but stop words)
    var queryWords = function (q) {
      var t = words(q).filter(function (w) { return w.length > 1; });
      var kept = t.filter(function (w) { return !isStop(w); });
      return kept.length ? kept : t;
    };
    var stems = function (ws) { return ws.map(stem); };
    // the crosswalk's names, as lists of stems, per group
    var groupsCache = null;
    var groupStems = function (synonyms) {
      if (groupsCache && groupsCache.src === synonyms) return groupsCache.val;
      var val = (synonyms || []).map(function (g) {
        return g.map(function (name) { return stems(queryWords(name)); }).filter(function (s) { return s.length; });
      }).filter(function (g) { return g.length > 1; });
      groupsCache = { src: synonyms, val: val };
      return val;
    };
    // the query, and the query with a crosswalk name in it replaced by each other name of its row
    var variants = function (q, synonyms) {
      var ws = queryWords(q), st = stems(ws);
      var out = [ws];
      var groups = groupStems(synonyms);
      var i = 0;
      while (i < st.length) {
        var best = null;
        groups.forEach(function (g, gi) {
          g.forEach(function (name) {
            if (name.length === 1 && /^[a-z]+$/.test(name[0])) return;  // one plain word (state, units) is too common to stand for its row
            if (name.length <= st.length - i && name.every(function (s, k) { return s === st[i + k]; }) &&
                (!best || name.length > best.len)) best = { g: gi, len: name.length, name: name };
          });
        });
        if (!best) { i += 1; continue; }
        groups[best.g].forEach(function (name) {
          if (name.join(" ") === best.name.join(" ")) return;
          out.push(ws.slice(0, i).concat(name, ws.slice(i + best.len)));
        });
        i += best.len;
      }
      return out;
    };
    var expand = function (idx, cache, t) {
      if (cache[t]) return cache[t];
      var set = {};
      var add = function (ts) { ts.intersect(idx.tokenSet).toArray().forEach(function (x) { set[x] = true; }); };
      add(lunr.TokenSet.fromString(stem(t)));
      if (t.length >= 3) { add(lunr.TokenSet.fromString(t + "*")); add(lunr.TokenSet.fromString(stem(t) + "*")); }
      if (t.length >= 5) add(lunr.TokenSet.fromFuzzyString(t, 1));
      cache[t] = set;
      return set;
    };
    var phraseIn = function (text, st) {
      var ws = stems(terms(text));
      outer: for (var i = 0; i + st.length <= ws.length; i++) {
        for (var k = 0; k < st.length; k++) if (ws[i + k] !== st[k]) continue outer;
        return true;
      }
      return false;
    };
    var search = function (idx, records, synonyms, q, limit) {
      var vs = variants(q, synonyms).filter(function (v) { return v.length; });
      if (!vs.length) return [];
      var hits = idx.query(function (query) {
        var seen = {};
        vs.forEach(function (v) {
          v.forEach(function (t) {
            if (seen[t]) return;
            seen[t] = true;
            query.term(t, { boost: EXACT, usePipeline: true });
            if (t.length >= 3) {
              query.term(t, { boost: PREFIX, usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
              if (stem(t) !== t) query.term(stem(t), { boost: PREFIX, usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
            }
            if (t.length >= 5) query.term(t, { boost: FUZZY, usePipeline: false, editDistance: 1 });
          });
        });
      });
      var cache = {};
      hits.forEach(function (h) {
        var matched = h.matchData.metadata, r = records[+h.ref];
        var share = 0, phrase = false;
        vs.forEach(function (v) {
          var n = v.filter(function (t) {
            var e = expand(idx, cache, t);
            return Object.keys(matched).some(function (m) { return e[m]; });
          }).length;
          share = Math.max(share, n / v.length);
          if (v.length > 1 && !phrase && (phraseIn(r.heading, stems(v)) || (r.first && phraseIn(r.title + " " + (r.lead || ""), stems(v))))) phrase = true;
        });
        h.terms = Object.keys(matched);
        h.final = h.score * share * (phrase ? PHRASE : 1);
      });
      hits.sort(function (a, b) { return b.final - a.final; });
      return hits.slice(0, limit || 20);
    };
    return { build: build, search: search, terms: terms, words: words, stem: stem, variants: variants };
  }

  if (typeof module === "object" && module.exports) { module.exports = engine; return; }

  // ---- the browser: smalldocs' search boxes
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var meta = document.querySelector('meta[name="smalldocs:offset"]');
  var offset = meta ? meta.content : "./";
  var state = null;  // { idx, data, api } once loaded
  var loading = null;
  var load = function () {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      if (window.gruSearchIndex) { resolve(); return; }
      var s = document.createElement("script");
      s.src = offset + "search_index.js";
      s.onload = function () { window.gruSearchIndex ? resolve() : reject(new Error("empty")); };
      s.onerror = function () { reject(new Error("search_index.js did not load")); };
      document.head.appendChild(s);
    }).then(function () {
      var data = window.gruSearchIndex;
      var api = engine(window.lunr);
      state = { idx: window.lunr.Index.load(data.index), data: data, api: api };
    });
    return loading;
  };
  var esc = function (s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
  };
  // a snippet of the text around its first word that matched, the matched words marked
  var snippet = function (text, matchedTerms, api) {
    var want = {};
    matchedTerms.forEach(function (t) { want[t] = true; });
    var re = /\d+(?:\.\d+)+|[\p{L}\p{M}\p{Nd}_]+/gu, m, spans = [];
    while ((m = re.exec(text)) !== null) {
      var w = m[0].normalize("NFC").toLowerCase();
      var hit = want[api.stem(w)] || api.terms(w).some(function (t) { return want[api.stem(t)]; });
      if (hit) spans.push([m.index, m.index + m[0].length]);
    }
    var start = spans.length ? Math.max(0, spans[0][0] - 60) : 0;
    if (start) { var sp = text.indexOf(" ", start); if (sp > 0 && sp < spans[0][0]) start = sp + 1; }
    var end = Math.min(text.length, start + 220);
    var out = "", at = start;
    spans.forEach(function (s) {
      if (s[0] < start || s[1] > end) return;
      out += esc(text.slice(at, s[0])) + "<mark>" + esc(text.slice(s[0], s[1])) + "</mark>";
      at = s[1];
    });
    out += esc(text.slice(at, end));
    return (start ? "… " : "") + out + (end < text.length ? " …" : "");
  };
  var init = function () {
    $$(".smalldocs-search").forEach(function (box) {
      var input = box.querySelector("input"), results = box.querySelector(".smalldocs-search-results");
      if (!input || !results) return;
      var active = -1, timer = null;
      var show = function (html) { results.innerHTML = html; results.classList.add("show"); active = -1; };
      var hide = function () { results.classList.remove("show"); };
      var run = function () {
        var q = input.value.trim();
        if (q.length < 2) { hide(); return; }
        load().then(function () {
          if (input.value.trim() !== q) return;
          var limit = parseInt(box.dataset.limit, 10) || 20;
          var recs = state.data.records;
          var hits = state.api.search(state.idx, recs, state.data.synonyms, q, limit);
          if (!hits.length) { show('<div class="search-none">No results</div>'); return; }
          show(hits.map(function (h) {
            var r = recs[+h.ref];
            return '<a class="search-result" href="' + esc(offset + r.href) + '">' +
              '<div class="search-result-title">' + esc(r.title) + "</div>" +
              (r.heading ? '<div class="search-result-section">' + esc(r.heading) + "</div>" : "") +
              '<div class="search-result-text">' + snippet((r.lead ? r.lead + " " : "") + r.text, h.terms, state.api) + "</div></a>";
          }).join(""));
        }, function () { show('<div class="search-none">The search index did not load</div>'); });
      };
      input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 120); });
      input.addEventListener("focus", function () { load().catch(function () {}); if (input.value.trim().length > 1) run(); });
      input.addEventListener("keydown", function (ev) {
        var items = $$(".search-result", results);
        if (ev.key === "Escape") { hide(); input.blur(); return; }
        if (!items.length) return;
        if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
          ev.preventDefault();
          active = (active + (ev.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
          items.forEach(function (it, i) { it.classList.toggle("active", i === active); });
          items[active].scrollIntoView({ block: "nearest" });
        } else if (ev.key === "Enter") {
          ev.preventDefault();
          (items[active] || items[0]).click();
        }
      });
      document.addEventListener("click", function (ev) { if (!box.contains(ev.target)) hide(); });
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
