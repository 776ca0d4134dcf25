"""The site's search: an index of the rendered pages, with their maths as text, searched by Lunr from `file://`.

    python tools/search_index.py [docs]   # rebuild the search of a built site in place (tools/build_docs.py calls install())

tools/build_docs.py calls `install(site, katex_dist)` once the pages have their final names and links. Design:

* **What is indexed.** The rendered pages, not the notebooks: every `*.html` of the site, whatever pages there are.
  One record per section (an `h2`-`h4` heading with an id) and one for the page's opening (title, description and the
  text before the first heading), each with the page title, the heading, the body text and the URL with its anchor.
  Prose, lists, tables and inline code are indexed; code blocks, cell outputs, figures and the "Exported source"
  folds are not (a function's name and docstring are: show_doc writes them as a heading and a paragraph).
* **Maths as text.** Every `\\(...\\)` and `\\[...\\]` of a page is rendered by KaTeX (the copy the site ships, run
  by node) to MathML, and the MathML is written out as linear text: `\\tilde{\\mathbf{c}}^{\\langle t \\rangle}`
  becomes `c̃⟨t⟩`, `\\Gamma_r` `Γ_r`, `\\mathbf{W}_{cc}^{\\mathsf{T}}` `W_ccᵀ`, `\\frac{\\partial J}{\\partial
  \\mathbf{z}_c}` `∂J/∂z_c`. So the index, the snippets and the search all see what the reader sees.
* **Engine.** Lunr (pinned below, from npm, cached like KaTeX; its licence is copied next to it), with its English
  stemmer and stop words, so *vanishing* finds *vanishes* and *masks* finds *mask*. Words are runs of letters,
  digits and underscores (`gamma_r`, `W_cc`, `Γ_r` stay whole, and the parts of a snake_case name are indexed too);
  section numbers such as `2.1.6` are words. The index is built here, by node, and shipped serialised in
  `search_index.js`, a script, since Chromium refuses `fetch()` from `file://`; `search.json` holds the records too.
* **Ranking.** Field weights: heading 4, page description 3, body 1; a page's title counts as the heading of its
  opening record only, so that one word of a title does not lift every section of its page. Each query word is searched as an exact
  (stemmed) term with weight 10, as a prefix with weight 3 and, from five letters, with one typo allowed with weight
  1: an exact match always outranks a prefix match, which outranks a fuzzy one. A result's score is then multiplied
  by the share of the query's words it contains (a section with both words of *gradient clipping* above one with
  *gradient* many times), and doubled when a heading (or the page's title and description, for its opening record)
  holds a query of two words or more as a phrase.
* **Synonyms.** Taken from the table under the heading with id `crosswalk` (the notation page's *Crosswalk*), parsed
  here from the rendered page: the names in one row are one quantity. A cell is split at commas; what is in
  parentheses is left out; names of one letter are left out (too common to search by). A query that contains a name
  of a row is also searched with each other name of that row in its place, at the same weight: *reset gate* is
  searched as *relevance gate*, `Γ_r` and `gamma_r` too. A name of one ordinary word (*state*, *kernel*, *units*)
  is one of the names searched, but does not by itself stand for its row (*minimal gated unit* is not about `n_a`). There is no other synonym list: a missing pair is a missing
  row of that table, which readers see.
* **Results.** In smalldocs' search box (its search code is replaced by `site_libs/search/search.js`): the page
  title, the heading, and a snippet of the body around the first matched word, the matched words marked; the colours
  are set in `site_libs/search/search.css` (contrast at least 4.5:1, checked by tools/search_check.py).

Needs node and npm (npm once, to fetch Lunr into ~/.cache/gru_bptt-docs/, or set LUNR_DIR to a folder holding
lunr.js), and beautifulsoup4 (installed with nbconvert, a dev requirement).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

LUNR_VERSION = "2.3.9"  # pinned: the copy in docs/ must not change when npm publishes a new release
ASSETS = "site_libs/search"  # lunr.min.js, its LICENSE, search.js and search.css, in the site
INDEX_JS = "search_index.js"  # the serialised index and the records, as a script, at the site's root
INDEX_GLOBAL = "gruSearchIndex"
CROSSWALK_ID = "crosswalk"  # the id of the heading whose table gives the synonyms
HEADINGS = ("h2", "h3", "h4")
SKIP = ("script, style, svg, pre, nav, .code-copy-button, details > summary, .quarto-title-meta, "
        ".nb-download, .cell-label, details.fold-tests")  # page links, download line, phone-card labels, folded tests
BLOCKS = {"p", "div", "li", "ul", "ol", "td", "th", "tr", "table", "br", "hr", "section", "blockquote", "dd", "dt",
          "figcaption", "figure", "details", "h1", "h2", "h3", "h4", "h5", "h6", "thead", "tbody", "caption"}
MATH_OPEN = {"\\(": "\\)", "\\[": "\\]", "$$": "$$", "$": "$"}


def log(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"search_index: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- npm and node


def lunr_dir(quiet: bool) -> Path:
    "Lunr's package folder; `LUNR_DIR` may point at one instead."
    if os.environ.get("LUNR_DIR"):
        d = Path(os.environ["LUNR_DIR"])
        if not (d / "lunr.js").exists():
            raise SystemExit(f"search_index: LUNR_DIR={d} has no lunr.js")
        return d
    from build_docs import npm_package  # tools/ is on sys.path: build_docs runs us, or main() put it there

    return npm_package("lunr", LUNR_VERSION, "lunr.min.js", quiet, who="search_index")


def node(script: str, payload, *args: str):
    "Run a node script with JSON on stdin; return its JSON output."
    exe = shutil.which("node")
    if not exe:
        raise SystemExit("search_index: node is needed to build the search index")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "run.js"
        f.write_text(script, encoding="utf-8")
        res = subprocess.run([exe, str(f), *args], input=json.dumps(payload, ensure_ascii=False), capture_output=True,
                             text=True, encoding="utf-8")
    if res.returncode != 0:
        raise SystemExit(f"search_index: node failed: {res.stderr.strip()[-800:]}")
    return json.loads(res.stdout)


# ---------------------------------------------------------------- maths to text

KATEX_MATHML = r"""
const katex = require(process.argv[2]);
const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = items.map(([tex, display]) => {
  try { return katex.renderToString(tex, { output: "mathml", displayMode: display, throwOnError: true, strict: "ignore" }); }
  catch (e) { return null; }
});
process.stdout.write(JSON.stringify(out));
"""

_SPACED = set("=+−-≈≤≥<>→↦⇒≠∈∉⊂×·⋅∘⊙∗*±∓∝≡↔")
_INVISIBLE = {"\u2061", "\u2062", "\u2063", "\u2064"}
_ACCENTS = {"~": "\u0303", "˜": "\u0303", "^": "\u0302", "ˆ": "\u0302", "¯": "\u0304", "‾": "\u0304",
            "→": "\u20d7", "˙": "\u0307", "¨": "\u0308"}
_SUPER = str.maketrans("0123456789+−-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿ")
_SIMPLE = re.compile(r"^(?:\([^()]*\)|[^\s/=+−\-<>≈≤≥→∘⊙×·,;()]+)$")
_TOKENS = {"mi", "mn", "mo", "mtext", "ms"}


def _tag(el) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _wrap(s: str) -> str:
    s = "".join(s.split())  # a script or a fraction's part is written without spaces
    return s if len(s) <= 1 or _SIMPLE.match(s) else f"({s})"


def _sup(base: str, sup: str, limit: bool = False) -> str:
    sup = "".join(sup.split())
    if sup in ("T", "⊤", "𝖳") and not limit:
        return base + "ᵀ"
    if sup.startswith("⟨") and sup.endswith("⟩") or sup in ("†", "′", "″", "*", "∗"):
        return base + sup
    if re.fullmatch(r"[0-9+−=()n-]+", sup):
        return base + sup.translate(_SUPER)
    return base + "^" + _wrap(sup)


def mathml_text(el) -> str:
    "Linear text for a MathML element: sub- and superscripts, fractions, accents and tables written out on one line."
    t = _tag(el)
    kids = list(el)
    if t in _TOKENS:
        s = (el.text or "").replace("\u00a0", " ")
        if t == "mo":
            s = "".join(c for c in s if c not in _INVISIBLE)
            if s in _SPACED:
                return f" {s} "
            if s == ",":
                return ", "
        return s
    if t == "annotation" or t == "mphantom" or t == "annotation-xml":
        return ""
    if t == "semantics":
        return mathml_text(kids[0]) if kids else ""
    if t == "mspace":
        return " "
    parts = [mathml_text(k) for k in kids]
    if t == "msub" and len(parts) == 2:
        return parts[0] + "_" + _wrap(parts[1])
    if t == "msup" and len(parts) == 2:
        return _sup(parts[0], parts[1])
    if t == "msubsup" and len(parts) == 3:  # a sum's or an integral's limits are not a transpose
        return _sup(parts[0] + "_" + _wrap(parts[1]), parts[2], limit=parts[0].strip() in ("∑", "∏", "∫", "⋃", "⋂"))
    if t == "mover" and len(parts) == 2:
        acc = parts[1].strip()
        if el.get("accent") == "true" and acc in _ACCENTS:
            base = parts[0].strip()
            return base + _ACCENTS[acc] if len(base) == 1 else base + acc
        return _sup(parts[0], parts[1])
    if t == "munder" and len(parts) == 2:
        return parts[0] + "_" + _wrap(parts[1])
    if t == "munderover" and len(parts) == 3:
        return _sup(parts[0] + "_" + _wrap(parts[1]), parts[2], limit=True)
    if t == "mfrac" and len(parts) == 2:
        return _wrap(parts[0]) + "/" + _wrap(parts[1]) if el.get("linethickness") not in ("0", "0px", "0em") \
            else f"({parts[0].strip()} over {parts[1].strip()})"
    if t == "msqrt":
        return "√" + _wrap("".join(parts))
    if t == "mroot" and len(parts) == 2:
        return f"root{_wrap(parts[1])}{_wrap(parts[0])}"
    if t == "mtable":
        return "; ".join(p.strip() for p in parts if p.strip())
    if t in ("mtr", "mlabeledtr"):
        return " ".join(p.strip() for p in parts if p.strip())
    # mrow and the rest: in a row, a space between two atoms when the first is a script, a fraction or an accent
    out, prev = "", ""
    for k, p in zip(kids, parts):
        if out and p and prev not in _TOKENS and _tag(k) != "mo" and not out.endswith((" ", "(", "[", "{", "⟨")) \
                and not p.startswith((" ", ")", "]", "}", "⟩", ",")):
            out += " "
        out += p
        prev = _tag(k)
    return out


def tex_to_text(items: list[tuple[str, bool]], katex_dist: Path) -> list[str | None]:
    "Each (TeX, display) as readable text, through KaTeX's MathML; None where KaTeX cannot parse it."
    lib = katex_dist / "katex.js"
    if not lib.exists():
        lib = katex_dist / "katex.min.js"
    out = []
    for ml in node(KATEX_MATHML, items, str(lib)):
        if ml is None:
            out.append(None)
            continue
        m = re.search(r"<math\b.*?</math>", ml, flags=re.DOTALL)
        try:
            root = ET.fromstring(m.group(0)) if m else None
        except ET.ParseError:
            root = None
        out.append(" ".join(mathml_text(root).split()) if root is not None else None)
    return out


# ---------------------------------------------------------------- pages to records


class _Math:
    "A placeholder for one formula of a page, filled in once all the site's maths is converted."

    def __init__(self, tex: str, display: bool) -> None:
        self.tex, self.display, self.text = tex, display, None


def _math_of(span) -> _Math | None:
    raw = span.get_text().strip()
    for o, c in MATH_OPEN.items():
        if raw.startswith(o) and raw.endswith(c) and len(raw) > len(o) + len(c):
            return _Math(raw[len(o):-len(c)].strip(), "display" in (span.get("class") or []))
    return None


def _pieces(node, out: list) -> None:
    "The text of an element in order: strings, _Math placeholders, and a space at each block's edges."
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    for ch in node.children:
        if isinstance(ch, Comment):
            continue
        if isinstance(ch, NavigableString):
            out.append(str(ch))
        elif isinstance(ch, Tag):
            if ch.name == "span" and "math" in (ch.get("class") or []):
                m = _math_of(ch)
                out.append(m if m else ch.get_text())
                continue
            block = ch.name in BLOCKS
            if block:
                out.append(" ")
            _pieces(ch, out)
            if block:
                out.append(" ")


def _anchor(h) -> str:
    if h.get("id"):
        return h["id"]
    if h.get("data-anchor-id"):
        return h["data-anchor-id"]
    sec = h.find_parent("section")
    return sec.get("id", "") if sec else ""


def page_records(html: str, page: str) -> tuple[list[dict], list]:
    "The records of one page (title, heading, lead and text as lists of pieces) and its tables as (heading id, table)."
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment

    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one("main.content") or soup.find("main")
    if main is None:
        return [], []
    title: list = []
    lead: list = []
    h1 = main.find("h1")
    if h1:
        _pieces(h1, title)
    desc = main.select_one(".description")
    if desc:
        _pieces(desc, lead)
    header = main.select_one("#title-block-header")
    if header:
        header.decompose()
    for el in main.select(SKIP):
        el.decompose()
    records = [{"href": page, "title": title, "heading": [], "lead": lead, "text": []}]
    tables: list = []

    def walk(node) -> None:  # the page in document order: a new record at each heading
        for ch in node.children:
            if isinstance(ch, Comment):
                continue
            if isinstance(ch, NavigableString):
                records[-1]["text"].append(str(ch))
            elif isinstance(ch, Tag):
                if ch.name in HEADINGS:
                    hp: list = []
                    _pieces(ch, hp)
                    anchor = _anchor(ch)
                    records.append({"href": f"{page}#{anchor}" if anchor else page, "title": title, "heading": hp,
                                    "lead": [], "text": [], "id": anchor})
                    continue
                if ch.name == "span" and "math" in (ch.get("class") or []):
                    m = _math_of(ch)
                    records[-1]["text"].append(m if m else ch.get_text())
                    continue
                if ch.name == "table":
                    tables.append((records[-1].get("id", ""), ch))
                block = ch.name in BLOCKS
                if block:
                    records[-1]["text"].append(" ")
                walk(ch)
                if block:
                    records[-1]["text"].append(" ")

    walk(main)
    return records, tables


def _join(pieces: list) -> str:
    return " ".join("".join(p.text if isinstance(p, _Math) else p for p in pieces).split())


def _maths(pieces: list):
    return (p for p in pieces if isinstance(p, _Math))


# ---------------------------------------------------------------- the crosswalk


def crosswalk_groups(table, page: str, texts: dict) -> list[list[str]]:
    "The synonym groups of the crosswalk table: one per row, each name of each cell (commas split, parentheses out)."
    groups = []
    for tr in table.select("tbody tr") or table.select("tr")[1:]:
        names: list[str] = []
        for td in tr.find_all("td"):
            pieces: list = []
            _pieces(td, pieces)
            maths = [texts.get((p.tex, p.display)) or p.tex for p in pieces if isinstance(p, _Math)]
            # the prose's parentheses are left out, with any maths inside them; the maths' own are kept
            cell, k = "", 0
            for p in pieces:
                if isinstance(p, _Math):
                    cell += f"\x00{k}\x00"
                    k += 1
                else:
                    cell += p
            cell = re.sub(r"\([^()]*\)", " ", cell)
            cell = re.sub(r"\x00(\d+)\x00", lambda m: maths[int(m.group(1))], cell)
            for name in re.split(r"[,;]", cell):
                name = " ".join(name.split())
                if name and name not in ("—", "-", "none") and name not in names:
                    names.append(name)
        if len(names) > 1:
            groups.append(names)
    if not groups:
        raise SystemExit(f"search_index: the crosswalk table of {page} has no row with two names")
    return groups


# ---------------------------------------------------------------- the browser's side

BUILD_JS = r"""
const lunr = require(process.argv[2]);
const engine = require(process.argv[3])(lunr);
const data = JSON.parse(require("fs").readFileSync(0, "utf8"));
const idx = engine.build(data.records);
const run = (data.queries || []).map((q) => engine.search(idx, data.records, data.synonyms, q, 10).map((h) => data.records[h.ref].href));
process.stdout.write(JSON.stringify({ index: idx.toJSON(), runs: run }));
"""

SEARCH_JS = r"""// The site's search: Lunr over one record per section, maths as text, synonyms from the notation page's crosswalk.
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
      if (window.GLOBAL) { resolve(); return; }
      var s = document.createElement("script");
      s.src = offset + "INDEX_JS";
      s.onload = function () { window.GLOBAL ? resolve() : reject(new Error("empty")); };
      s.onerror = function () { reject(new Error("INDEX_JS did not load")); };
      document.head.appendChild(s);
    }).then(function () {
      var data = window.GLOBAL;
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
"""

SEARCH_CSS = """\
/* The search results: dark text on a light panel, wherever the box is (the navbar is dark). Written by
   tools/search_index.py; tools/search_check.py measures these contrasts (at least 4.5:1). */
.smalldocs-search .smalldocs-search-results.dropdown-menu { background-color: #ffffff; color: #212529;
  border: 1px solid #adb5bd; box-shadow: 0 .5rem 1rem rgba(0, 0, 0, .2); }
.smalldocs-search .smalldocs-search-results .search-result { color: #212529; border-bottom: 1px solid #dee2e6; }
.smalldocs-search .smalldocs-search-results .search-result:hover,
.smalldocs-search .smalldocs-search-results .search-result.active { background-color: #e7f0fb; }
.smalldocs-search .smalldocs-search-results .search-result-title { color: #212529; }
.smalldocs-search .smalldocs-search-results .search-result-section { color: #1f5c99; font-weight: 500; }
.smalldocs-search .smalldocs-search-results .search-result-text { color: #3b4148; -webkit-line-clamp: 3; }
.smalldocs-search .smalldocs-search-results .search-result-text mark { background-color: #fff0a8; color: #212529; }
.smalldocs-search .smalldocs-search-results .search-none { color: #3b4148; }
"""

# smalldocs 0.5.4's search code in site_libs/smalldocs.js, from this line up to (not including) the keyboard
# shortcut's: replaced by a pointer to site_libs/search/search.js, which drives the same boxes
SMALLDOCS_SEARCH_START = "  // ---- search\n"
SMALLDOCS_SEARCH_END = "  // the keys that focus search"
SMALLDOCS_SEARCH_STUB = "  // ---- search: site_libs/search/search.js drives the search boxes (written by tools/search_index.py)\n"
_FUSE_TAG = re.compile(r"""<script[^>]*src="[^"]*site_libs/fuse/fuse\.min\.js"[^>]*>\s*</script>""")
HEAD_MARK = "site_libs/search/search.js"


def patch_smalldocs(site: Path) -> None:
    "Take smalldocs' own search out of its script (the boxes and the keyboard shortcut stay)."
    js = site / "site_libs" / "smalldocs.js"
    text = js.read_text(encoding="utf-8")
    if SMALLDOCS_SEARCH_STUB in text:
        return
    a, b = text.find(SMALLDOCS_SEARCH_START), text.find(SMALLDOCS_SEARCH_END)
    block = text[a:b] if 0 <= a < b else ""
    if text.count(SMALLDOCS_SEARCH_START) != 1 or "fuse.search(" not in block or "smalldocs-search-results" not in block:
        raise SystemExit(f"search_index: {js} does not hold smalldocs 0.5.4's search code: update the patch in "
                         "tools/search_index.py for this smalldocs")
    js.write_text(text[:a] + SMALLDOCS_SEARCH_STUB + text[b:], encoding="utf-8")
    fuse = site / "site_libs" / "fuse"
    if fuse.is_dir():
        shutil.rmtree(fuse)


def head_tags(prefix: str) -> str:
    a = f"{prefix}{ASSETS}/"
    return (f'<link rel="stylesheet" href="{a}search.css">'
            f'<script src="{a}lunr.min.js" defer></script><script src="{a}search.js" defer></script>')


# ---------------------------------------------------------------- the whole step


def collect(site: Path) -> tuple[list[dict], tuple | None, list[str]]:
    "Every page's records (maths not yet converted), the crosswalk table as (page, table), and the pages."
    raw, crosswalk = [], None
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "site_libs" not in p.parts)
    for page in pages:
        recs, tables = page_records((site / page).read_text(encoding="utf-8"), page)
        raw += recs
        for anchor, table in tables:
            if anchor == CROSSWALK_ID and crosswalk is None:
                crosswalk = (page, table)
    return raw, crosswalk, pages


def install(site: Path, katex_dist: Path, quiet: bool = False) -> int:
    "Build the search of a site: index, engine, styles, smalldocs patched, tags in every page; return the records."
    from build_docs import page_prefix  # tools/ is on sys.path: build_docs runs us, or main() put it there

    raw, crosswalk, pages = collect(site)
    if crosswalk is None:
        raise SystemExit(f"search_index: no page has a table under a heading with id {CROSSWALK_ID!r} "
                         "(the notation page's Crosswalk, the search's synonyms)")
    # the maths of every record and of the crosswalk, converted in one run of KaTeX
    maths = [m for r in raw for k in ("title", "heading", "lead", "text") for m in _maths(r[k])]
    cw_pieces: list = []
    _pieces(crosswalk[1], cw_pieces)
    maths += list(_maths(cw_pieces))
    unique = sorted({(m.tex, m.display) for m in maths})
    texts = dict(zip(unique, tex_to_text(unique, katex_dist)))
    failed = sorted({m.tex for m in maths if texts[(m.tex, m.display)] is None})
    for m in maths:
        m.text = texts[(m.tex, m.display)] or m.tex
    if failed:
        log(f"warning: KaTeX could not parse {len(failed)} formula(s), indexed as TeX: {failed[:3]}")
    synonyms = crosswalk_groups(crosswalk[1], crosswalk[0], texts)
    records = []
    for r in raw:
        rec = {"href": r["href"], "title": _join(r["title"]), "heading": _join(r["heading"]),
               "lead": _join(r["lead"]), "text": _join(r["text"])}
        if not (rec["heading"] or rec["text"] or rec["lead"]):
            continue
        rec["first"] = "#" not in rec["href"]
        records.append(rec)
    lunr = lunr_dir(quiet)
    dest = site / ASSETS
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(lunr / "lunr.min.js", dest / "lunr.min.js")
    shutil.copyfile(lunr / "LICENSE", dest / "LICENSE")
    (dest / "search.js").write_text(SEARCH_JS.replace("GLOBAL", INDEX_GLOBAL).replace("INDEX_JS", INDEX_JS),
                                    encoding="utf-8")
    (dest / "search.css").write_text(SEARCH_CSS, encoding="utf-8")
    built = node(BUILD_JS, {"records": records, "synonyms": synonyms}, str(lunr / "lunr.js"), str((dest / "search.js").resolve()))
    data = {"records": records, "synonyms": synonyms, "index": built["index"]}
    (site / INDEX_JS).write_text(
        "// The site's search index (records, crosswalk synonyms, Lunr index). Written by tools/search_index.py.\n"
        f"window.{INDEX_GLOBAL} = {json.dumps(data, ensure_ascii=False, separators=(',', ':'))};\n", encoding="utf-8")
    (site / "search.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    patch_smalldocs(site)
    for page in pages:
        f = site / page
        html = f.read_text(encoding="utf-8")
        html = _FUSE_TAG.sub("", html)
        if HEAD_MARK not in html:
            html = html.replace("</head>", head_tags(page_prefix(html, page)) + "</head>", 1)
        f.write_text(html, encoding="utf-8")
    log(f"{len(records)} records from {len(pages)} pages, {len(synonyms)} synonym groups from "
        f"{crosswalk[0]}#{CROSSWALK_ID}, {len(unique)} formulas as text", quiet)
    return len(records)


def try_queries(site: Path, queries: list[str]) -> list[list[str]]:
    "Run queries against a built site's index in node (the browser's engine, without the browser)."
    lunr = lunr_dir(True)
    data = json.loads((site / INDEX_JS).read_text(encoding="utf-8").split("=", 1)[1].rstrip().rstrip(";"))
    return node(BUILD_JS, {"records": data["records"], "synonyms": data["synonyms"], "queries": queries},
                str(lunr / "lunr.js"), str((site / ASSETS / "search.js").resolve()))["runs"]


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("site", nargs="?", default=str(Path(__file__).resolve().parent.parent / "docs"))
    p.add_argument("--query", "-q", action="append", help="after building, print the first results of this query")
    args = p.parse_args()
    site = Path(args.site).resolve()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from build_docs import katex_dist

    install(site, katex_dist(False))
    for q, hrefs in zip(args.query or [], try_queries(site, args.query or [])):
        print(f"{q!r}: {hrefs[:5]}")


if __name__ == "__main__":
    main()
