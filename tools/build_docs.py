"""Build the project's documentation into `docs/` without Quarto, and README.md from nbs/index.ipynb.

    python tools/build_docs.py                 # full build: docs/ and README.md
    python tools/build_docs.py --readme-only   # README.md only
    python tools/build_docs.py --no-readme     # docs/ only

Route: nbdev processes the notebooks into `_proc/` (its Quarto check is skipped), smalldocs renders
`_proc` into `_proc/docs`, and this script then makes the site self-contained and copies it to `docs/`:

* pages are renamed to the `output-file` that nbdev gives them (`00_forward.html` -> `forward.html`),
  as Quarto would, and every internal link is rewritten to match;
* nbdev's absolute links to the published docs (`<doc_host><doc_baseurl>/page.html#sym`) become relative, and so do
  its root-relative ones (`/page.html#sym`, written when settings.ini names no host);
* while settings.ini names no repository (`git_url` empty, until the project is published), show_doc's "source"
  links are removed, and smalldocs writes no "report an issue" link and no sitemap (it has no site-url);
* KaTeX comes from the npm package (pinned below) and is served from `docs/site_libs/katex/`; every page
  typesets its maths locally with auto-render (`$$...$$`, `\\[...\\]`, `\\(...\\)` and `$...$`);
* nothing on a page loads from the network: remote CSS imports, scripts, stylesheets and images are removed;
* figures open full size in an overlay on a click (`site_libs/figzoom.js`, styled by nbs/styles.css);
* the fold directive: code cells marked `#| fold` and markdown cells whose first line is `<!-- fold -->` are gathered,
  in notebook order and with their outputs, into one closed `<details>` ("Tests and package details") at the bottom
  of their page. This is done on the processed notebooks in `_proc/`, before smalldocs renders them (see
  restructure_notebook); nbdev_test still runs those cells where they are. `#| one-screen` wraps a code cell in
  `<div class="one-screen">` (the BPTT-in-one-screen box, measured by tools/browser_check.py);
* on the learner pages (tools/learner_pages.py: LEARNER_PAGES), each `#| exports` function's source shows once: the
  show_doc card above it is replaced by an anchor with the card's id, and the source is no "Exported source" fold;
  tables of three columns or more get the class `stack` and a copy of their header in each cell (`cell-label`,
  `data-label`): on a phone each row is a card (nbs/styles.css); a learner's copy of the notebook is written to
  `docs/nbs/<page>.ipynb` (directives and folded cells removed, `#| hide` imports kept, outputs cleared; it runs after
  `pip install gru_bptt`: tools/check_learner_nbs.py runs it) and linked as "Download this page as a notebook", with
  an "Open in Colab" link only when settings.ini names a GitHub repository (git_url);
* every page of nbs/sidebar.yml gets previous / next links (with the titles) at its top and bottom, in the sidebar's
  order; the bottom links come last, after the fold;
* boxes that scroll sideways (code keeps its lines and scrolls in its own box; maths displays, tables, outputs) get a
  fade at their cut edge: `site_libs/scrollcue.js` marks them (classes `scroll-cue`, `cue-left`, `cue-right`);
* search is built from the finished pages by tools/search_index.py (its docstring has the design): one record per
  section with the maths as text (KaTeX to MathML to text), Lunr (pinned, from npm) in `site_libs/search/`, synonyms
  from the notation page's crosswalk table, and the index as a script, `search_index.js`, which loads from `file://`
  (Chromium refuses `fetch()` there); smalldocs' own search code is taken out of `site_libs/smalldocs.js`;
* the output is byte-identical from one run to the next (timestamps are removed).

Needs: the `dev` extras (nbdev, smalldocs), `node`, and `npm` on PATH the first time (KaTeX and Lunr are then cached
in ~/.cache/gru_bptt-docs/; or set KATEX_DIST to a katex/dist folder and LUNR_DIR to a lunr folder). Writes
`_proc/` (gitignored), `docs/`, README.md, and nbdev's own generated files: nbs/nbdev.yml and the package's _modidx.py.
"""

import argparse
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
import html as htmllib
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learner_pages import (  # noqa: E402  (the learner pages and markers, shared with the browser check)
    FOLD_CLASS, FOLD_DIRECTIVE, FOLD_MD_MARKER, FOLD_SUMMARY, LEARNER_NB_DIR, LEARNER_PAGES, ONE_SCREEN_CLASS,
    ONE_SCREEN_DIRECTIVE, front_matter, has_directive, is_folded_markdown, is_learner, page_name, reading_order,
)

ROOT = Path(__file__).resolve().parent.parent
KATEX_VERSION = "0.19.1"  # pinned: the copy in docs/ must not change when npm publishes a new release
FIXED_MTIME = 946684800  # 2000-01-01T00:00:00Z, given to every file smalldocs reads, so no page depends on the clock
MATH_JS = "render-math.js"  # our own small script in docs/site_libs/katex/
FIGZOOM_JS = "figzoom.js"  # click-to-zoom for figures, in docs/site_libs/ (its CSS is in nbs/styles.css)
SCROLLCUE_JS = "scrollcue.js"  # marks boxes that scroll sideways, for the fade at their cut edge (CSS in nbs/styles.css)

# Elements whose src/href makes the browser fetch something (an <a href> only navigates, and is allowed)
_REMOTE = r"""[^>]*?\s(?:src|href|srcset|poster)\s*=\s*["']?\s*(?:https?:)?//[^>]*>"""
_REMOTE_PAIRED = re.compile(r"<(script|iframe|video|audio|object)\b" + _REMOTE + r".*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_REMOTE_VOID = re.compile(r"<(link|img|source|embed|track|input)\b" + _REMOTE, re.IGNORECASE)
_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style\s*>)", re.IGNORECASE | re.DOTALL)
_STYLE_ATTR = re.compile(r"""(\sstyle=")([^"]*)(")""", re.IGNORECASE)
# `@import url(https://...);` or `@import "https://...";`, with an optional media list; the URL may hold `;`
_CSS_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*(["']?)\s*(?:https?:)?//[^)]*?\1\s*\)|(["'])\s*(?:https?:)?//.*?\2)[^;{}]*;""",
    re.IGNORECASE | re.DOTALL,
)
_CSS_URL = re.compile(r"""url\(\s*(?:["']|&quot;)?\s*(?:https?:)?//[^)]*\)""", re.IGNORECASE)
_ATTR = re.compile(r"""(\s(?:href|src)=")([^"]*)(")""")
# smalldocs' KaTeX from a CDN (on the pages where it saw maths): replaced by the local copy on every page
_KATEX_TAG = re.compile(
    r"""<link[^>]*href="(?:https?:)?//[^"]*katex[^"]*\.css"[^>]*>|<script[^>]*src="(?:https?:)?//[^"]*katex[^"]*\.js"[^>]*>\s*</script>""",
    re.IGNORECASE,
)
_OFFSET = re.compile(r"""<meta name="smalldocs:offset" content="([^"]*)">""")


def page_prefix(html: str, rel: str) -> str:
    """What leads from the page at site path `rel` back to the site's root, for its links: smalldocs' offset meta tag
    (else worked out from `rel`), '' for a page at the root (`docs/x.html`), `../` one folder down."""
    m = _OFFSET.search(html)
    offset = m.group(1) if m else posixpath.relpath(".", posixpath.dirname(rel) or ".") + "/"
    return "" if offset in ("", "./") else offset

MATH_SCRIPT = """\
// Typeset the maths of a page with the local KaTeX. Written by tools/build_docs.py; do not edit in docs/.
(function () {
  "use strict";
  function typeset() {
    if (!window.renderMathInElement) return;
    window.renderMathInElement(document.body, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\\\[", right: "\\\\]", display: true },
        { left: "\\\\(", right: "\\\\)", display: false },
        { left: "$", right: "$", display: false }
      ],
      ignoredClasses: ["katex"],
      throwOnError: false,
      errorColor: "#cc0001"  // tools/check_docs.py counts this colour as an unknown command
    });
  }
  window.smalldocsMath = typeset;
  typeset();
})();
"""

FIGZOOM_SCRIPT = """\
// Click (or Enter on) a figure to see it full size in an overlay; Esc, a click or the close button closes it.
// Written by tools/build_docs.py; do not edit in docs/. Its CSS is in styles.css (.figzoom).
(function () {
  "use strict";
  var FIGS = "main svg.figure-svg, main .cell-output-display img, main figure img";
  var overlay, box, closeBtn, opener;
  function build() {
    overlay = document.createElement("div");
    overlay.className = "figzoom";
    overlay.hidden = true;
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Enlarged figure (Escape or a click closes it)");
    closeBtn = document.createElement("button");
    closeBtn.type = "button";
    closeBtn.className = "figzoom-close";
    closeBtn.setAttribute("aria-label", "Close the enlarged figure");
    closeBtn.textContent = "\\u00d7";
    box = document.createElement("div");
    box.className = "figzoom-box";
    overlay.appendChild(closeBtn);
    overlay.appendChild(box);
    overlay.addEventListener("click", close);  // anywhere: the figure, the backdrop, the button
    document.body.appendChild(overlay);
  }
  function natural(fig) {
    // [width, height] in CSS px: an SVG's size from its viewBox (matplotlib writes points), an image's own
    if (fig.tagName.toLowerCase() === "svg") {
      var vb = fig.viewBox && fig.viewBox.baseVal;
      if (vb && vb.width) return [vb.width * 4 / 3, vb.height * 4 / 3];
      var r = fig.getBoundingClientRect();
      return [r.width, r.height];
    }
    return [fig.naturalWidth || fig.width, fig.naturalHeight || fig.height];
  }
  function open(fig) {
    if (!overlay) build();
    opener = fig;
    var copy;
    if (fig.tagName.toLowerCase() === "svg") {
      // the copy's ids get a prefix, so that no id is on the page twice while it is open
      box.innerHTML = fig.outerHTML.replace(/\\sid="/g, ' id="zoom-').replace(/href="#/g, 'href="#zoom-')
        .replace(/url\\(#/g, "url(#zoom-");
      copy = box.firstElementChild;
    } else {
      copy = fig.cloneNode(false);
      copy.removeAttribute("id");
      box.textContent = "";
      box.appendChild(copy);
    }
    copy.removeAttribute("tabindex");
    copy.classList.remove("figzoom-target");
    var n = natural(fig), ratio = n[0] / n[1];
    var fit = Math.min(window.innerWidth - 32, (window.innerHeight - 64) * ratio);
    // fit the window; on a small screen, no smaller than the figure's own size (up to 960 px): it then scrolls
    var w = Math.max(fit, Math.min(n[0], 960));
    copy.style.width = Math.round(w) + "px";
    copy.style.height = Math.round(w / ratio) + "px";
    overlay.hidden = false;
    document.documentElement.classList.add("figzoom-open");
    closeBtn.focus({ preventScroll: true });
  }
  function close() {
    if (!overlay || overlay.hidden) return;
    overlay.hidden = true;
    box.textContent = "";
    document.documentElement.classList.remove("figzoom-open");
    if (opener) opener.focus({ preventScroll: true });
  }
  function init() {
    document.querySelectorAll(FIGS).forEach(function (fig) {
      if (fig.closest(".katex") || fig.classList.contains("figzoom-target")) return;
      fig.classList.add("figzoom-target");
      fig.setAttribute("tabindex", "0");
      fig.addEventListener("click", function (e) { e.preventDefault(); open(fig); });
      fig.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(fig); }
      });
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
"""


SCROLLCUE_SCRIPT = """\
// Boxes of the page that scroll sideways (code, maths displays, tables, outputs) get the class scroll-cue, and
// cue-left / cue-right while content is cut on that side: styles.css fades that edge. Written by tools/build_docs.py.
(function () {
  "use strict";
  var CUE = "scroll-cue", seen = new WeakSet(), timer;
  function update(el) {
    var more = el.scrollWidth - el.clientWidth;
    if (more > 1) {
      el.classList.add(CUE);
      el.classList.toggle("cue-left", el.scrollLeft > 1);
      el.classList.toggle("cue-right", el.scrollLeft < more - 1);
    } else if (el.classList.contains(CUE)) el.classList.remove(CUE, "cue-left", "cue-right");
  }
  function scan() {
    var root = document.querySelector("main") || document.body;
    // KaTeX's own boxes and the parts of a figure are skipped: a maths display scrolls in its .math.display box
    var walk = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT, { acceptNode: function (el) {
      return el.classList.contains("katex") || el.namespaceURI === "http://www.w3.org/2000/svg"
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT; } });
    for (var el = walk.nextNode(); el; el = walk.nextNode()) {
      var ox = getComputedStyle(el).overflowX;
      if (ox !== "auto" && ox !== "scroll") continue;
      update(el);
      if (!seen.has(el)) {
        seen.add(el);
        el.addEventListener("scroll", update.bind(null, el), { passive: true });
      }
    }
  }
  function later() { clearTimeout(timer); timer = setTimeout(scan, 100); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  window.addEventListener("load", scan);
  if (document.fonts) document.fonts.ready.then(scan);
  window.addEventListener("resize", later);
  document.addEventListener("toggle", later, true);  // a <details> opened: its boxes have a size now
})();
"""

def log(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"build_docs: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- nbdev


def nbdev_process(n_workers: int, quiet: bool) -> Path:
    "Run nbdev's docs preprocessing without its Quarto check; return `_proc/`."
    import nbdev.doclinks
    import nbdev.quarto
    import nbdev.serve
    from nbdev.config import get_config

    cfg = get_config()
    nbdev.quarto.refresh_quarto_yml()  # writes nbs/nbdev.yml from settings.ini
    nbdev.doclinks._build_modidx()  # the index of symbols that backticked names link to
    if not cfg.custom_sidebar:  # a hand-written nbs/sidebar.yml is kept as it is
        nbdev.quarto.nbdev_sidebar.__wrapped__()
    if not (cfg.nbs_path / "sidebar.yml").exists():
        raise SystemExit("build_docs: nbs/sidebar.yml is missing (custom_sidebar is True in settings.ini)")
    log(f"nbdev: processing notebooks with {n_workers} worker(s)", quiet)
    try:
        return Path(nbdev.serve.proc_nbs(n_workers=n_workers, force=True))
    except Exception as e:  # a notebook's cell failed: say which, without the pool's traceback
        msg = str(e).strip()
        hint = ""
        if "Error in notebook" in msg or " in cell " in msg:
            hint = ("\nnbdev runs, while processing, the cells that import and the show_doc cells; "
                    "a cell that mixes imports with code using names from other cells fails here: split it.")
        raise SystemExit(f"build_docs: nbdev could not process the notebooks: {type(e).__name__}: {msg}{hint}") from None


# ---------------------------------------------------------------- the processed notebooks: folds, source once


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else str(s)


def _directive_lines(src: str) -> tuple[list[str], str]:
    "The leading `#|` lines of a code cell (blank lines among them skipped), and the code after them."
    lines = src.splitlines()
    dirs = []
    while lines and (lines[0].lstrip().startswith("#|") or (not lines[0].strip() and dirs)):
        line = lines.pop(0)
        if line.strip():
            dirs.append(line.strip())
    return dirs, "\n".join(lines)


def _directive_names(src: str) -> set[str]:
    "The names of a code cell's directives: `export`, `hide`, `fold`, `eval` (from `#| eval: false`), ..."
    return {d[2:].strip().split(":")[0].split()[0] for d in _directive_lines(src)[0] if d[2:].strip()}


def _defined_names(src: str) -> list[str]:
    "The functions and classes a code cell defines at its top level."
    import ast

    try:
        tree = ast.parse(_directive_lines(src)[1])
    except SyntaxError:  # a cell with IPython magics
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


_SHOW_DOC = re.compile(r"^\s*show_doc\(\s*([\w.]+)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
FOLD_OPEN = (f'<details class="{FOLD_CLASS}">\n<summary>{FOLD_SUMMARY}</summary>\n\n'
             '::: {.fold-body}\n')  # a div inside: its headings stay out of the page's sections
FOLD_CLOSE = ":::\n\n</details>\n"


def _md_cell(text: str, cid: str) -> dict:
    return {"cell_type": "markdown", "id": cid, "metadata": {}, "source": text}


def restructure_notebook(proc_nb: Path, orig_nb: Path, learner: bool) -> dict:
    """Apply the fold and one-screen directives, and on a learner page show each exported function's source once.

    Done on the processed notebook in `_proc/`, before smalldocs renders it (not on the HTML after): moving cells is
    exact there, the moved cells render exactly as they would have in place (code, outputs, figures, maths, links),
    and no HTML has to be parsed. nbdev removes `#| fold` and `#| one-screen` from the processed cells, so the marked
    cells are found by their cell id in the notebook of nbs/. On a learner page, the show_doc card nbdev adds for an
    `#| exports` cell (a signature and the docstring, above the same source in an "Exported source" fold) is replaced
    by an empty anchor with the card's id (links to `page.html#name` keep working), and the source is shown as plain
    code. Returns counts of what was done."""
    nb = json.loads(proc_nb.read_text(encoding="utf-8"))
    orig = json.loads(orig_nb.read_text(encoding="utf-8"))
    fold_ids, one_ids, owner, exports_ids = set(), set(), {}, set()
    for c in orig.get("cells", []):
        src, cid = _src(c), c.get("id")
        if c.get("cell_type") == "markdown" and is_folded_markdown(src):
            fold_ids.add(cid)
        if c.get("cell_type") != "code":
            continue
        if has_directive(src, FOLD_DIRECTIVE):
            fold_ids.add(cid)
        if has_directive(src, ONE_SCREEN_DIRECTIVE):
            one_ids.add(cid)
        names = _directive_names(src)
        if names & {"export", "exports", "exporti", "exec_doc"}:
            for n in _defined_names(src):
                owner.setdefault(n, cid)
            if "exports" in names:
                exports_ids.add(cid)
    if None in fold_ids | one_ids:
        raise SystemExit(f"build_docs: {orig_nb.name}: a cell marked for the fold or one screen has no id (nbformat 4.5)")
    stats = {"folded": 0, "cards": 0, "one_screen": 0}
    if not (fold_ids or one_ids or (learner and exports_ids)):
        return stats
    cells, folded = [], []
    from smalldocs.markdown import pandoc_id

    anchors: dict[str, list[dict]] = {}  # on a learner page: the anchors that replace the cards of an exports cell
    for c in nb.get("cells", []):
        m = _SHOW_DOC.search(_src(c)) if c.get("has_sd") else None
        own = owner.get(m.group(1).split(".")[0]) if m else None
        if learner and own in exports_ids:
            md = "".join(_src({"source": o.get("data", {}).get("text/markdown", "")}) for o in c.get("outputs", []))
            h = _HEADING.search(md)
            c["anchor_of_"] = own
            anchors.setdefault(own, []).append(_md_cell(
                f'<div id="{pandoc_id(h.group(1)) if h else m.group(1).lower()}" class="doc-anchor"></div>\n', f"{c.get('id')}-anchor"))
            stats["cards"] += 1
    for c in nb.get("cells", []):
        src, cid = _src(c), c.get("id")
        if c.pop("anchor_of_", None):
            continue  # the card is gone: its anchor goes above the source it documented
        fold = cid in fold_ids
        m = _SHOW_DOC.search(src) if c.get("has_sd") else None
        if m:  # a card nbdev added: it goes where the cell it documents goes
            fold = owner.get(m.group(1).split(".")[0]) in fold_ids
        elif learner and cid in exports_ids:
            dirs, code = _directive_lines(src)
            keep = [d for d in dirs if not re.match(r"#\|\s*code-(fold|summary)\s*:", d)]
            c["source"] = "\n".join(keep + [code])
        if c.get("cell_type") == "markdown" and cid in fold_ids:
            c["source"] = _src(c).lstrip()[len(FOLD_MD_MARKER):].lstrip("\n")
        group = [*anchors.get(cid, []), c]
        if cid in one_ids:
            group = [_md_cell(f'<div class="{ONE_SCREEN_CLASS}">\n', f"{cid}-one"), *group, _md_cell("</div>\n", f"{cid}-one-end")]
            stats["one_screen"] += 1
        (folded if fold else cells).extend(group)
        stats["folded"] += fold
    if folded:
        cells += [_md_cell(FOLD_OPEN, "fold-open"), *folded, _md_cell(FOLD_CLOSE, "fold-close")]
    nb["cells"] = cells
    proc_nb.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return stats


def restructure_proc(proc: Path, quiet: bool) -> None:
    "restructure_notebook on every processed notebook of `_proc/` that comes from a notebook of nbs/."
    from nbdev.config import get_config

    nbs = get_config().nbs_path
    total = {"folded": 0, "cards": 0, "one_screen": 0}
    for nb in sorted(proc.glob("*.ipynb")):
        orig = nbs / nb.name
        if not orig.exists():
            continue
        page = Path(page_name(nb)).stem
        for k, v in restructure_notebook(nb, orig, page in LEARNER_PAGES).items():
            total[k] += v
    log(f"{total['folded']} cell(s) folded into 'Tests and package details', {total['cards']} show_doc card(s) above "
        f"their own source removed on learner pages, {total['one_screen']} one-screen box(es)", quiet)


# ---------------------------------------------------------------- the learner's copies of the learner pages


def folded_export_imports(src: str, default_exp: str | None, lib_name: str) -> str:
    """What replaces a folded exported cell in a learner's copy: its imports, and an import from the package of the
    names it defines (functions, classes, top-level assignments), so the lesson's later cells find them. Only names
    the installed module has are imported; '' when there is none."""
    import ast
    import importlib
    import textwrap

    dirs, code = _directive_lines(src)
    mod = None
    for d in dirs:
        words = d[2:].split()
        if words and words[0] in ("export", "exports", "exporti"):
            mod = words[1] if len(words) > 1 and ":" not in words[1] else default_exp
    if not mod:
        return ""
    try:
        tree = ast.parse(code)
        module = importlib.import_module(f"{lib_name}.{mod}")
    except (SyntaxError, ImportError):
        return ""
    imports, names = [], []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if not (isinstance(node, ast.ImportFrom) and (node.module == "__future__" or node.level)):
                imports.append(ast.get_source_segment(code, node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names += [n.id for n in ast.walk(t) if isinstance(n, ast.Name)]
    names = [n for n in dict.fromkeys(names) if n not in ("_all_", "__all__") and hasattr(module, n)]
    if names:
        line = f"from {lib_name}.{mod} import {', '.join(names)}"
        if len(line) > 100:
            line = f"from {lib_name}.{mod} import (\n" + textwrap.indent(textwrap.fill(", ".join(names) + ",", 96), "    ") + "\n)"
        imports.append(line)
    return "\n".join(i for i in imports if i)


def _names(code: str) -> tuple[set[str], set[str]]:
    """The names a cell binds at its top level (assignments, defs, imports, loop and with targets), and the names it
    reads that it does not bind anywhere itself (a function's parameters and locals, a comprehension's variables)."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython magics
        return set(), set()
    top, local, reads = set(), set(), set()

    def visit(node, at_top: bool) -> None:
        for ch in ast.iter_child_nodes(node):
            if isinstance(ch, ast.Name):
                if isinstance(ch.ctx, ast.Load):
                    reads.add(ch.id)
                else:
                    (top if at_top else local).add(ch.id)
            elif isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                (top if at_top else local).add(ch.name)
                visit(ch, False)
            elif isinstance(ch, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                visit(ch, False)
            elif isinstance(ch, (ast.Import, ast.ImportFrom)):
                (top if at_top else local).update((a.asname or a.name).split(".")[0] for a in ch.names if a.name != "*")
            elif isinstance(ch, ast.arg):
                local.add(ch.arg)
            else:
                visit(ch, at_top)

    visit(tree, True)
    return top, reads - top - local


def learner_notebook(orig: dict, page: str, title: str, tst_flags: set[str], site_url: str | None,
                     lib_name: str = "gru_bptt", rescued: list | None = None) -> dict:
    """A learner's copy of a notebook of nbs/: it runs top to bottom after `pip install gru_bptt`, with no file of the
    repository. Cells marked for the fold go (a folded exported cell leaves the imports of what it defines from the
    package: folded_export_imports), and so do show_doc calls and nbdev imports (nbdev is not installed with the
    package); the other code cells stay, `#| hide` imports included, without their directive lines; a cell with
    a test flag (`#| slow`) keeps it as a cell tag, which tools/check_learner_nbs.py skips as nbdev_test does. Cells
    of `#| eval: false` go (they are not meant to run). Outputs are cleared: the learner makes them.

    A folded cell that binds a name a shown cell reads (and no shown cell before binds) stays in the copy, with a
    comment saying so, or the copy would stop there; each such cell is appended to `rescued` as (cell id, names), for
    the build to report: on the page, the reader meets a name whose definition is folded away."""
    default_exp = next((m.group(1) for c in orig.get("cells", []) if c.get("cell_type") == "code"
                        for m in [re.search(r"^\s*#\|\s*default_exp\s+(\S+)", _src(c), re.MULTILINE)] if m), None)
    note = {"cell_type": "markdown", "id": "learner-copy", "metadata": {}, "source":
            f"*A learner's copy of the page [{title}]({site_url or '..'}/{page}.html) of the gru_bptt docs: run "
            "`pip install gru_bptt` first, then run the cells from the top. The tests that guard the package are on "
            "the page, in its folded block.*"}
    entries = []  # [cell, state ('keep', 'fold' or 'md'), code, binds, reads, names it is kept for]
    titled = bool(orig.get("cells")) and _src(orig["cells"][0]).lstrip().startswith("# ")
    for n, c in enumerate(orig.get("cells", [])):
        if n == int(titled):
            entries.append([note, "md", None, set(), set(), set()])  # under the title
        src, kind = _src(c), c.get("cell_type")
        cid = c.get("id") or f"c{n}"
        if kind == "markdown":
            if is_folded_markdown(src):
                continue
            # links to pages of the site: from docs/nbs/, or to the published site
            src = re.sub(r"\]\((?![a-zA-Z][\w+.-]*:|#|/)([^)\s]+\.html(?:#[^)\s]*)?)\)",
                         lambda m: f"]({site_url or '..'}/{m.group(1)})", src)
            entries.append([{"cell_type": "markdown", "id": cid, "metadata": {}, "source": src}, "md", None, set(), set(), set()])
            continue
        if kind != "code":
            continue
        dirs, code = _directive_lines(src)
        if any(re.match(r"#\|\s*eval\s*:\s*false\b", d, re.I) for d in dirs):
            continue
        lines = [ln for ln in code.splitlines()
                 if not re.match(r"\s*(from\s+nbdev\b|import\s+nbdev\b)", ln) and not re.match(r"\s*show_doc\(", ln)]
        code = "\n".join(lines).strip("\n")
        names = _directive_names(src)
        meta = {"tags": sorted(names & tst_flags)} if names & tst_flags else {}
        cell = {"cell_type": "code", "execution_count": None, "id": cid, "metadata": meta, "outputs": [], "source": code}
        if has_directive(src, FOLD_DIRECTIVE):
            imports = folded_export_imports(src, default_exp, lib_name)
            if imports:
                entries.append([dict(cell, metadata={}, source=imports), "keep", imports, *_names(imports), set()])
            elif code.strip():
                entries.append([cell, "fold", code, *_names(code), set()])
        elif code.strip():
            entries.append([cell, "keep", code, *_names(code), set()])
    changed = True
    while changed:  # keep the folded cells that bind what a kept cell reads first; again, for what those read
        changed, bound = False, set()
        for i, e in enumerate(entries):
            if e[1] != "keep":
                continue
            for name in sorted(e[4] - bound):
                j = next((j for j in range(i - 1, -1, -1) if entries[j][1] == "fold" and name in entries[j][3]), None)
                if j is not None:
                    entries[j][1] = "keep"
                    entries[j][5].add(name)
                    changed = True
            if changed:
                break
            bound |= e[3]
    cells = []
    for cell, state, code, _, _, kept_for in entries:
        if state == "fold":
            continue
        if kept_for:
            names = ", ".join(sorted(kept_for))
            cell = dict(cell, source=f"# folded on the page (its checks); kept here for {names}, used below\n{code}")
            if rescued is not None:
                rescued.append((cell["id"], sorted(kept_for)))
        cells.append(cell)
    meta = {k: v for k, v in (orig.get("metadata") or {}).items() if k in ("kernelspec", "language_info")}
    meta.setdefault("kernelspec", {"display_name": "python3", "language": "python", "name": "python3"})
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def write_learner_nbs(site: Path, proc: Path, quiet: bool) -> dict[str, str]:
    "Write the learner's copy of every learner page to `<site>/nbs/<page>.ipynb`; return {page.html: copy's site path}."
    from nbdev.config import get_config

    cfg = get_config()
    flags = set(str(cfg.get("tst_flags", "")).split())
    host = str(cfg.get("doc_host", "") or "").rstrip("/")
    site_url = (host + str(cfg.get("doc_baseurl", "") or "").rstrip("/")) if host else None
    out, found = {}, set()
    (site / LEARNER_NB_DIR).mkdir(exist_ok=True)
    for nb in sorted(proc.glob("*.ipynb")):
        fm = front_matter(nb)
        page = Path(page_name(nb)).stem
        orig = cfg.nbs_path / nb.name
        if page not in LEARNER_PAGES or not orig.exists():
            continue
        rescued: list = []
        copy = learner_notebook(json.loads(orig.read_text(encoding="utf-8")), page, str(fm.get("title") or page), flags,
                                site_url, str(cfg.lib_name), rescued)
        for cid, names in rescued:  # worth fixing in the notebook: the page shows a cell that reads a folded name
            log(f"note: {nb.name}: folded cell {cid} binds {', '.join(names)}, which a shown cell reads: "
                "the learner's copy keeps it", quiet)
        dest = site / LEARNER_NB_DIR / f"{page}.ipynb"
        dest.write_text(json.dumps(copy, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        out[f"{page}.html"] = f"{LEARNER_NB_DIR}/{page}.ipynb"
        found.add(page)
    missing = [p for p in LEARNER_PAGES if p not in found]
    log(f"{len(out)} learner notebook(s) written to {LEARNER_NB_DIR}/"
        + (f"; learner page(s) not in the site yet, skipped: {', '.join(missing)}" if missing else ""), quiet)
    return out


def colab_url(git_url: str, branch: str, nb_path: str) -> str | None:
    "Colab's address of a notebook of the published docs/, when settings.ini names a GitHub repository; else None."
    m = re.match(r"(?:https?://)?github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", git_url.strip())
    if not m:
        return None
    return f"https://colab.research.google.com/github/{m.group(1)}/{m.group(2)}/blob/{branch or 'main'}/docs/{nb_path}"


# ---------------------------------------------------------------- smalldocs


def smalldocs_render(proc: Path, quiet: bool) -> tuple[Path, list[str]]:
    "Render `_proc` with smalldocs; return its output folder and its warnings about links, to judge after renaming."
    import yaml

    out_dir = "_site"
    for name in ("_quarto.yml", "nbdev.yml"):
        f = proc / name
        if f.exists():
            conf = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            out_dir = ((conf.get("project") or {}).get("output-dir")) or out_dir
    out = (proc / out_dir).resolve()
    if out == proc.resolve() or proc.resolve() not in out.parents:
        raise SystemExit(f"build_docs: output-dir {out_dir!r} must be a folder inside {proc}")
    if out.exists():
        shutil.rmtree(out)
    for f in proc.rglob("*"):  # no page or sitemap may depend on when the notebooks were processed
        os.utime(f, (FIXED_MTIME, FIXED_MTIME))
    cmd = [sys.executable, "-m", "smalldocs.cli", "render", "--quiet", str(proc)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    ignored = ("is not built: smalldocs makes only html", "is ignored", "output-file is not read by smalldocs")
    link_warnings = []
    for line in (res.stdout + res.stderr).splitlines():
        if " broken link " in line:
            link_warnings.append(line)
        elif line.strip() and not any(s in line for s in ignored):
            print(f"smalldocs: {line}", file=sys.stderr)
    if res.returncode != 0 or not out.is_dir():
        raise SystemExit(f"build_docs: smalldocs render failed (exit {res.returncode})")
    return out, link_warnings


# ---------------------------------------------------------------- KaTeX


def katex_dist(quiet: bool) -> Path:
    "KaTeX's `dist/` from npm, installed once into a cache folder; `KATEX_DIST` may point at one instead."
    if os.environ.get("KATEX_DIST"):
        dist = Path(os.environ["KATEX_DIST"])
        if not (dist / "katex.min.js").exists():
            raise SystemExit(f"build_docs: KATEX_DIST={dist} has no katex.min.js")
        return dist
    missing = "npm is needed once to fetch KaTeX (or set KATEX_DIST to a katex/dist folder)"
    return npm_package("katex", KATEX_VERSION, "dist/katex.min.js", quiet, missing=missing,
                       failed="npm install katex failed") / "dist"


def npm_package(name: str, version: str, need: str, quiet: bool, who: str = "build_docs", missing: str | None = None,
                failed: str | None = None) -> Path:
    """The folder of an npm package, installed once into ~/.cache/gru_bptt-docs/<name>-<version> (`need`: a file of
    it that must be there after the install). Messages begin with `who` (the tool); `missing` and `failed` replace the
    messages for no npm and a failed install."""
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = cache_root / "gru_bptt-docs" / f"{name}-{version}"
    pkg = cache / "node_modules" / name
    if (pkg / "package.json").exists() and json.loads((pkg / "package.json").read_text())["version"] == version:
        return pkg
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit(f"{who}: {missing or f'npm is needed once to fetch {name}@{version}'}")
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "package.json").write_text(f'{{"name": "gru-bptt-docs-{name}", "private": true}}\n')  # npm's root is here
    if not quiet:
        print(f"{who}: npm: installing {name}@{version} into {cache}", file=sys.stderr, flush=True)
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false", npm_config_audit="false")
    res = subprocess.run([npm, "install", "--no-save", "--no-package-lock", f"{name}@{version}"],
                         cwd=cache, env=env, capture_output=True, text=True)
    if res.returncode != 0 or not (pkg / need).exists():
        sys.stderr.write(res.stdout + res.stderr)
        raise SystemExit(f"{who}: {failed or f'npm install {name}@{version} failed'}")
    return pkg


def install_katex(site: Path, dist: Path) -> None:
    "Copy KaTeX's CSS, JS, fonts and auto-render into `site_libs/katex/`, with our typesetting script."
    dest = site / "site_libs" / "katex"
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "contrib").mkdir(parents=True)
    (dest / "fonts").mkdir()
    for name in ("katex.min.css", "katex.min.js", "contrib/auto-render.min.js"):
        shutil.copyfile(dist / name, dest / name)
    for font in sorted((dist / "fonts").iterdir()):
        shutil.copyfile(font, dest / "fonts" / font.name)
    lic = dist.parent / "LICENSE"
    if lic.exists():
        shutil.copyfile(lic, dest / "LICENSE")
    (dest / MATH_JS).write_text(MATH_SCRIPT, encoding="utf-8")


def install_figzoom(site: Path) -> None:
    "Write the click-to-zoom script for figures and the scroll-cue script into `site_libs/`."
    (site / "site_libs").mkdir(exist_ok=True)
    (site / "site_libs" / FIGZOOM_JS).write_text(FIGZOOM_SCRIPT, encoding="utf-8")
    (site / "site_libs" / SCROLLCUE_JS).write_text(SCROLLCUE_SCRIPT, encoding="utf-8")


def figzoom_head(prefix: str) -> str:
    "The tags that load the click-to-zoom script and the scroll cues (after KaTeX's typesetting: both deferred)."
    return (f'<script src="{prefix}site_libs/{FIGZOOM_JS}" defer></script>'
            f'<script src="{prefix}site_libs/{SCROLLCUE_JS}" defer></script>')


def katex_head(prefix: str) -> str:
    "The tags that load KaTeX: after smalldocs.js, so that one typesetting pass (ours) does all the maths."
    k = f"{prefix}site_libs/katex/"
    return (
        f'<link rel="stylesheet" href="{k}katex.min.css">'
        f'<script src="{k}katex.min.js" defer></script>'
        f'<script src="{k}contrib/auto-render.min.js" defer></script>'
        f'<script src="{k}{MATH_JS}" defer></script>'
    )


# ---------------------------------------------------------------- rewriting the site


def reading_nav(proc: Path) -> list[tuple[str, str]]:
    "The pages of nbs/sidebar.yml in its order, as (site path, title), from the processed notebooks' front matter."
    from nbdev.config import get_config

    out = []
    for nb in reading_order(get_config().nbs_path):
        pnb = proc / nb
        if not pnb.exists():
            log(f"warning: nbs/sidebar.yml names {nb}, which is not in the site")
            continue
        fm = front_matter(pnb) if pnb.suffix == ".ipynb" else {}
        name = page_name(pnb) if pnb.suffix == ".ipynb" else Path(nb).with_suffix(".html").name
        out.append((posixpath.join(posixpath.dirname(nb), name), str(fm.get("title") or Path(name).stem)))
    return out


def nav_html(page: str, prev: tuple[str, str] | None, nxt: tuple[str, str] | None, where: str) -> str:
    "The previous / next links of `page` in the reading order."
    def link(target, rel, label):
        href = posixpath.relpath(target[0], posixpath.dirname(page) or ".")
        return (f'<a class="page-nav-{rel}" rel="{rel}" href="{htmllib.escape(href)}"><span class="page-nav-dir">{label}'
                f'</span> <span class="page-nav-title">{htmllib.escape(target[1])}</span></a>')
    parts = [link(prev, "prev", "&larr; Previous") if prev else '<span class="page-nav-prev"></span>',
             link(nxt, "next", "Next &rarr;") if nxt else '<span class="page-nav-next"></span>']
    return f'<nav class="page-nav page-nav-{where}" aria-label="Reading order, {where}">{"".join(parts)}</nav>'


def download_html(page: str, nb_path: str, colab: str | None) -> str:
    "The learner page's link to its notebook copy (and to Colab, when the repository is known)."
    href = posixpath.relpath(nb_path, posixpath.dirname(page) or ".")
    out = (f'<p class="nb-download"><a href="{htmllib.escape(href)}" download>Download this page as a notebook</a> '
           '(it runs after <code>pip install gru_bptt</code>)')
    if colab:
        out += f' &middot; <a href="{htmllib.escape(colab)}">Open in Colab</a>'
    return out + "</p>"


_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.DOTALL | re.IGNORECASE)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.DOTALL | re.IGNORECASE)
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def stack_tables(html: str) -> tuple[str, int]:
    """Tables of three columns or more (a header row, no merged cells) get the class `stack`: under styles.css's phone
    media query each row is a card, each cell preceded by its column's header (a `cell-label` copy of the header,
    maths included, which KaTeX typesets with the rest; `data-label` holds the header as plain text). Returns the page
    and the number of tables changed."""
    count = 0

    def one(m: re.Match) -> str:
        nonlocal count
        attrs, body = m.group(1), m.group(2)
        head = re.search(r"<thead\b[^>]*>(.*?)</thead>", body, re.DOTALL | re.IGNORECASE)
        if not head or re.search(r"\b(?:col|row)span=", body, re.IGNORECASE):
            return m.group(0)
        heads = [c.group(3).strip() for c in _CELL.finditer(head.group(1))]
        if len(heads) < 3:
            return m.group(0)

        def row(r: re.Match) -> str:
            cells = list(_CELL.finditer(r.group(1)))
            if len(cells) != len(heads):
                return r.group(0)
            out = []
            for c, h in zip(cells, heads):
                tag, cattrs, inner = c.group(1), c.group(2), c.group(3)
                if tag.lower() == "th":
                    out.append(c.group(0))
                    continue
                plain = " ".join(htmllib.unescape(_TAGS.sub(" ", h)).split())
                label = re.sub(r'\sid="[^"]*"', "", h)
                empty = not _TAGS.sub("", inner).strip() and "<img" not in inner
                extra = ' class="cell-empty"' if empty and "class=" not in cattrs else ""
                lab = f'<span class="cell-label">{label}</span>' if plain and not empty else ""
                out.append(f'<{tag}{cattrs}{extra} data-label="{htmllib.escape(plain)}">{lab}{inner}</{tag}>')
            inner = r.group(0)
            return inner[: inner.index(">") + 1] + "".join(out) + "</tr>"

        tail = body[head.end():]
        new_body = body[: head.end()] + _ROW.sub(row, tail)
        if re.search(r'\sclass="', attrs):
            attrs = re.sub(r'\sclass="([^"]*)"', lambda a: f' class="{a.group(1)} stack"', attrs, count=1)
        else:
            attrs += ' class="stack"'
        count += 1
        return f"<table{attrs}>{new_body}</table>"

    return _TABLE.sub(one, html), count


def learner_html(html: str, rel: str, nav: dict, nb_copy: str | None, colab: str | None, learner: bool) -> str:
    "Previous / next links at the top and bottom of a page of the reading order; on a learner page, the notebook link and stacked tables."
    top, bottom = "", ""
    if rel in nav:
        prev, nxt = nav[rel]
        top, bottom = nav_html(rel, prev, nxt, "top"), nav_html(rel, prev, nxt, "bottom")
    if learner and nb_copy:
        top += download_html(rel, nb_copy, colab)
    if learner:
        main_at = html.find("<main")
        if main_at >= 0:
            head, tail = html[:main_at], html[main_at:]
            tail, _ = stack_tables(tail)
            html = head + tail
    if top:
        m = re.search(r'<header id="title-block-header"[^>]*>.*?</header>', html, re.DOTALL)
        if m:
            html = html[: m.end()] + top + html[m.end():]
        else:
            html = re.sub(r"(<main\b[^>]*>)", lambda g: g.group(1) + top, html, count=1)
    if bottom:
        at = html.rfind("</main>")
        if at >= 0:
            html = html[:at] + bottom + html[at:]
    return html


def page_renames(proc: Path, site: Path) -> dict[str, str]:
    "Map smalldocs' page names (`00_forward.html`) to nbdev's `output-file` names (`forward.html`), site-relative."
    renames: dict[str, str] = {}
    for nb in sorted(proc.rglob("*.ipynb")):
        rel = nb.relative_to(proc)
        if rel.parts[0] == site.name or any(p.startswith((".", "_")) for p in rel.parts):
            continue
        old = rel.with_suffix(".html").as_posix()
        if not (site / old).exists():
            continue
        new = posixpath.join(posixpath.dirname(old), page_name(nb))
        if new != old:
            renames[old] = new
    targets = [v for v in renames.values()]
    dupes = sorted({t for t in targets if targets.count(t) > 1})
    clash = sorted(t for t in targets if (site / t).exists() and t not in renames)
    if dupes or clash:
        raise SystemExit(f"build_docs: two pages would be written to the same file: {dupes + clash}")
    return renames


def rewrite_url(url: str, page: str, renames: dict[str, str], base: str | None, pages: set[str]) -> str:
    "One href/src of the page at site path `page`: renamed pages and links to the published docs made local."
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") or url.startswith("//"):
        if not base:
            return url
        full = (parts.netloc + parts.path) if parts.scheme else url[2:]
        if not (full == base or full.startswith(base + "/")):
            return url
        target = full[len(base):].lstrip("/")
        target = target or "index.html"
        if target.endswith("/"):
            target += "index.html"
        if target not in pages:
            log(f"warning: {page}: {url} points at the published docs but no local page {target} exists")
            return url
    elif parts.scheme or not parts.path:
        return url  # mailto:, data:, javascript:, or an anchor on the same page
    elif parts.path.startswith("/"):  # nbdev's links when settings.ini names no host: root-relative to the site
        if base:
            return url
        target = parts.path.lstrip("/") or "index.html"
        if target not in pages and target not in renames:
            log(f"warning: {page}: {url} points at a page of the site but no local page {target} exists")
            return url
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path))
        if target not in renames:
            return url
    target = renames.get(target, target)
    rel = posixpath.relpath(target, posixpath.dirname(page) or ".")
    return rel + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def strip_network_css(css: str) -> str:
    "Remove remote `@import`s and turn remote `url(...)`s into `none`."
    return _CSS_URL.sub("none", _CSS_IMPORT.sub("", css))


def strip_network_html(html: str, page: str) -> str:
    "Remove from a page whatever would load from the network; a remote image keeps its alt text."

    def repl(m: re.Match) -> str:
        tag = m.group(1).lower()
        log(f"warning: {page}: removed a remote <{tag}>: {m.group(0)[:120]}")
        if tag == "img":
            alt = re.search(r"""\salt=["']([^"']*)["']""", m.group(0))
            return f'<span class="offline-image">[{alt.group(1) if alt else "image"}]</span>'
        return ""

    html = _REMOTE_PAIRED.sub(repl, html)
    html = _REMOTE_VOID.sub(repl, html)
    html = _STYLE_BLOCK.sub(lambda m: m.group(1) + strip_network_css(m.group(2)) + m.group(3), html)
    return _STYLE_ATTR.sub(lambda m: m.group(1) + strip_network_css(m.group(2)) + m.group(3), html)


# nbdev links a backticked name in a signature's comment as Markdown, which code blocks show raw: `[`name`](url)`
_CODE_MD_LINK = re.compile(r"\[`([\w.]+)`\]\(([^)\s\"<>]+)\)")
_CODE_COMMENT = re.compile(r'(<span class="co">)(.*?)(</span>)', re.DOTALL)


def unleak_code_links(html: str) -> str:
    "Inside code comments, turn nbdev's raw Markdown links into real links on the name"
    # a method (`Cls.meth`) has no card of its own, so no anchor to link to: its name stays plain text
    link = lambda m: m.group(1) if "." in m.group(1) else f'<a href="{m.group(2)}">{m.group(1)}</a>'
    fix = lambda m: m.group(1) + _CODE_MD_LINK.sub(link, m.group(2)) + m.group(3)
    return _CODE_COMMENT.sub(fix, html)


_HTML_HEADING = re.compile(r'<h([1-6])[^>]*\bdata-anchor-id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
_A_TAG = re.compile(r"</?a\b[^>]*>")


def toc_math(html: str) -> str:
    "Give the table-of-contents entry of a heading with maths the heading's maths spans, so that KaTeX typesets it too"
    # smalldocs writes such an entry as the heading's text with the maths' TeX left bare (`\sigma and \tanh ...`)
    for m in _HTML_HEADING.finditer(html):
        inner = m.group(3)
        if 'class="math' not in inner:
            continue
        text, anchor = _A_TAG.sub("", inner), re.escape(m.group(2))  # the entry is a link itself: no links inside
        entry = re.compile(r'(<a href="#' + anchor + r'" id="toc-' + anchor + r'"[^>]*>)(.*?)(</a>)', re.DOTALL)
        html = entry.sub(lambda a: a.group(1) + text + a.group(3), html, count=1)
    return html


# show_doc's link to a symbol's line on the forge: `<a href="<git_url>/blob/<branch>/<file>#L<n>" ...>source</a>`
_SOURCE_LINK = re.compile(r'<a href="[^"]*\bblob/[^"]*"[^>]*>source</a>')


def fix_site(site: Path, proc: Path, quiet: bool, learner_nbs: dict[str, str] | None = None) -> int:
    """Rename the pages, rewrite links, localise KaTeX and strip network loads; add the previous / next links of the
    reading order, and on learner pages the notebook link and stacked tables; return the number of pages."""
    from nbdev.config import get_config

    cfg = get_config()
    learner_nbs = learner_nbs or {}
    order = reading_nav(proc)
    nav = {p: (order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None) for i, (p, _) in enumerate(order)}
    host = urlsplit(str(cfg.get("doc_host", "")))
    base = (host.netloc + str(cfg.get("doc_baseurl", "")).rstrip("/")) if host.netloc else None
    git_url = str(cfg.get("git_url", "") or "").strip()
    renames = page_renames(proc, site)
    for old in sorted(renames):  # in two steps, so that no rename overwrites a page still to be renamed
        (site / old).rename(site / (old + ".renaming"))
    for old, new in sorted(renames.items()):
        (site / new).parent.mkdir(parents=True, exist_ok=True)
        (site / (old + ".renaming")).rename(site / new)
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    for rel in sorted(pages):
        f = site / rel
        html = f.read_text(encoding="utf-8")
        prefix = page_prefix(html, rel)
        html = _KATEX_TAG.sub("", html)
        html = unleak_code_links(html)
        html = toc_math(html)
        html = _ATTR.sub(lambda a: a.group(1) + rewrite_url(a.group(2), rel, renames, base, pages) + a.group(3), html)
        html = strip_network_html(html, rel)
        if not git_url:  # unpublished: show_doc's "source" links would point at a repository that does not exist yet
            html = _SOURCE_LINK.sub("", html)
        learner = is_learner(rel)
        nb_copy = learner_nbs.get(rel)
        colab = colab_url(git_url, str(cfg.get("branch", "main")), nb_copy) if (git_url and nb_copy) else None
        html = learner_html(html, rel, nav, nb_copy, colab, learner)
        if "</head>" not in html:
            raise SystemExit(f"build_docs: {rel} has no </head>")
        html = html.replace("</head>", katex_head(prefix) + figzoom_head(prefix) + "</head>", 1)
        f.write_text(html, encoding="utf-8")
    for css in sorted(site.rglob("*.css")):
        text = css.read_text(encoding="utf-8")
        new = strip_network_css(text)
        if new != text:
            css.write_text(new, encoding="utf-8")
    sitemap = site / "sitemap.xml"
    if sitemap.exists():
        xml = re.sub(r"\s*<lastmod>[^<]*</lastmod>", "", sitemap.read_text(encoding="utf-8"))
        for old, new in renames.items():
            xml = xml.replace(f"/{old}</loc>", f"/{new}</loc>")
        sitemap.write_text(xml, encoding="utf-8")
    (site / ".nojekyll").write_text("", encoding="utf-8")
    return len(pages)


# ---------------------------------------------------------------- README.md


def _cell_opts(src: str) -> tuple[dict, str]:
    "Split the leading `#| key: value` lines of a code cell from its code."
    opts, lines = {}, src.splitlines()
    while lines and lines[0].lstrip().startswith("#|"):
        key, _, val = lines.pop(0).lstrip()[2:].partition(":")
        opts[key.strip()] = val.strip()
    return opts, "\n".join(lines).strip("\n")


def _text(v) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


def _fence(text: str, lang: str = "") -> str:
    text = text.rstrip("\n")
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _strip_ansi(s: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", s)


def notebook_markdown(nb_path: Path) -> str:
    "A processed notebook as GitHub Markdown: title and description, markdown cells, code and its text outputs."
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    fm = front_matter(nb_path)
    blocks = []
    if fm.get("title"):
        blocks.append(f"# {fm['title']}")
    if fm.get("description"):
        blocks.append(f"> {fm['description']}")
    for cell in nb.get("cells", []):
        src = _text(cell.get("source", ""))
        kind = cell.get("cell_type")
        cid = str(cell.get("id", ""))
        if cid == "fold-open":  # the folded cells (tests and package details) are not for the README
            break
        if cid.endswith(("-one", "-one-end")):  # the one-screen box's wrapper
            continue
        if kind == "markdown":
            if src.strip():
                blocks.append(src.strip("\n"))
            continue
        if kind != "code":
            continue
        opts, code = _cell_opts(src)
        if opts.get("include") == "false" or "show_doc(" in code:
            continue  # show_doc's tables belong in the docs, not in the README
        if code and opts.get("echo") != "false":
            blocks.append(_fence(code, "python"))
        if opts.get("output") == "false":
            continue
        for out in cell.get("outputs", []):
            otype = out.get("output_type")
            if otype == "stream":
                blocks.append(_fence(_strip_ansi(_text(out.get("text", "")))))
            elif otype in ("execute_result", "display_data"):
                data = out.get("data", {})
                if "text/markdown" in data:
                    blocks.append(_text(data["text/markdown"]).strip("\n"))
                elif "text/plain" in data and not any(k.startswith("image/") for k in data):
                    blocks.append(_fence(_text(data["text/plain"])))
            elif otype == "error":
                blocks.append(_fence(_strip_ansi("\n".join(out.get("traceback", [])))))
    text = "\n\n".join(b.rstrip() for b in blocks if b.strip())
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


_MD_LINK = re.compile(r"""(\]\()(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|//)/?([^)\s]+?\.(?:html|ipynb))(#[^)\s]*)?(\))""")


def absolute_links(md: str, site_url: str) -> str:
    "Point the README's links to pages (`errata.html`, `12_d_c.ipynb`) at the site: `docs/` in a clone, or a URL."
    from nbdev.doclinks import _nbpath2html

    site_url = site_url.rstrip("/")

    def repl(m: re.Match) -> str:
        path = m.group(2)
        if path.endswith(".ipynb"):
            path = _nbpath2html(Path(path)).as_posix()
        return f"{m.group(1)}{site_url}/{path.lstrip('./')}{m.group(3) or ''}{m.group(4)}"

    out, fence = [], False
    for line in md.split("\n"):  # not inside fenced code
        if line.lstrip().startswith("```"):
            fence = not fence
        out.append(line if fence else _MD_LINK.sub(repl, line))
    return "\n".join(out)


def process_one(src: Path, dest: Path) -> Path:
    "Run nbdev's docs processing on one notebook, in this process."
    import nbdev.serve_drv
    from nbdev.processors import FilterDefaults

    dest.parent.mkdir(parents=True, exist_ok=True)
    nbdev.serve_drv.main((src, dest, FilterDefaults))
    return dest


def write_readme(proc_index: Path | None, quiet: bool) -> Path:
    "Write README.md from the processed index notebook (processing nbs/index.ipynb now when none is given)."
    from nbdev.config import get_config

    cfg = get_config()
    src = cfg.nbs_path / "index.ipynb"
    if proc_index is None or not proc_index.exists():
        if not src.exists():
            raise SystemExit("build_docs: nbs/index.ipynb is missing")
        # the package's _modidx.py, which links names to pages, is used as nbdev_export left it
        proc_index = process_one(src, ROOT / "_proc" / "_readme" / "index.ipynb")
        restructure_notebook(proc_index, src, False)  # the fold, as in a full build
    readme = ROOT / "README.md"
    # the site is committed in docs/ and not published anywhere yet: link the README's pages there, so they open in a clone
    text = absolute_links(notebook_markdown(proc_index), "docs")
    if not readme.exists() or readme.read_text(encoding="utf-8") != text:
        readme.write_text(text, encoding="utf-8")
    log(f"README.md written from {src.relative_to(ROOT)}", quiet)
    return readme


# ---------------------------------------------------------------- main


def build(args: argparse.Namespace) -> None:
    t0 = time.monotonic()
    os.chdir(ROOT)
    # The notebooks import the package: make it importable from the repository in nbdev's workers too
    sys.path.insert(0, str(ROOT))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    if args.readme_only:
        write_readme(None, args.quiet)
        print(f"build_docs: README.md written in {time.monotonic() - t0:.1f}s")
        return
    n_workers = max(1, min(args.workers, os.cpu_count() or 1))
    proc = nbdev_process(n_workers, args.quiet)
    restructure_proc(proc, args.quiet)
    site, link_warnings = smalldocs_render(proc, args.quiet)
    install_katex(site, katex_dist(args.quiet))
    install_figzoom(site)
    learner_nbs = write_learner_nbs(site, proc, args.quiet)
    n_pages = fix_site(site, proc, args.quiet, learner_nbs)
    from search_index import install as install_search

    install_search(site, katex_dist(args.quiet), args.quiet)
    for line in link_warnings:  # smalldocs judged links before the pages got nbdev's names
        target = line.rsplit(" broken link ", 1)[1].strip().split("#")[0].lstrip("/")
        if target.startswith("blob/"):  # a "source" link, removed by fix_site while settings.ini names no repository
            continue
        if not (target and (site / target).is_file()):
            print(f"smalldocs: {line}", file=sys.stderr)
    if n_pages == 0:
        raise SystemExit("build_docs: smalldocs wrote no page")
    docs = ROOT / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    shutil.copytree(site, docs, copy_function=shutil.copyfile)
    if not args.no_readme:
        write_readme(proc / "index.ipynb", args.quiet)
    names = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.html"))
    print(f"build_docs: {n_pages} page(s) written to docs/ in {time.monotonic() - t0:.1f}s: {' '.join(names)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--readme-only", action="store_true", help="only write README.md from nbs/index.ipynb")
    p.add_argument("--no-readme", action="store_true", help="do not write README.md")
    p.add_argument("--workers", type=int, default=2, help="nbdev's processing workers (default 2, at most the CPUs)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only warnings and the summary")
    build(p.parse_args())


if __name__ == "__main__":  # nbdev's proc_nbs starts its workers with spawn: they import this file
    main()
