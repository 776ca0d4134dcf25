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
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
KATEX_VERSION = "0.19.1"  # pinned: the copy in docs/ must not change when npm publishes a new release
FIXED_MTIME = 946684800  # 2000-01-01T00:00:00Z, given to every file smalldocs reads, so no page depends on the clock
MATH_JS = "render-math.js"  # our own small script in docs/site_libs/katex/
FIGZOOM_JS = "figzoom.js"  # click-to-zoom for figures, in docs/site_libs/ (its CSS is in nbs/styles.css)

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


def front_matter(nb_path: Path) -> dict:
    "The YAML front matter that nbdev put in the first raw cell of a processed notebook."
    import yaml

    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "raw":
            continue
        src = "".join(cell.get("source", []))
        m = re.match(r"\s*---\s*\n(.*?)\n---\s*$", src, flags=re.DOTALL)
        if m:
            return yaml.safe_load(m.group(1)) or {}
    return {}


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
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = cache_root / "gru_bptt-docs" / f"katex-{KATEX_VERSION}"
    pkg = cache / "node_modules" / "katex"
    if (pkg / "package.json").exists() and json.loads((pkg / "package.json").read_text())["version"] == KATEX_VERSION:
        return pkg / "dist"
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("build_docs: npm is needed once to fetch KaTeX (or set KATEX_DIST to a katex/dist folder)")
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "package.json").write_text('{"name": "gru-bptt-docs-katex", "private": true}\n')  # npm's root is here
    log(f"npm: installing katex@{KATEX_VERSION} into {cache}", quiet)
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false", npm_config_audit="false")
    res = subprocess.run(
        [npm, "install", "--no-save", "--no-package-lock", f"katex@{KATEX_VERSION}"],
        cwd=cache, env=env, capture_output=True, text=True,
    )
    if res.returncode != 0 or not (pkg / "dist" / "katex.min.js").exists():
        sys.stderr.write(res.stdout + res.stderr)
        raise SystemExit("build_docs: npm install katex failed")
    return pkg / "dist"


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
    "Write the click-to-zoom script for figures into `site_libs/`."
    (site / "site_libs").mkdir(exist_ok=True)
    (site / "site_libs" / FIGZOOM_JS).write_text(FIGZOOM_SCRIPT, encoding="utf-8")


def figzoom_head(prefix: str) -> str:
    "The tag that loads the click-to-zoom script."
    return f'<script src="{prefix}site_libs/{FIGZOOM_JS}" defer></script>'


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
        out_file = front_matter(nb).get("output-file")
        if not out_file:
            continue
        new = posixpath.join(posixpath.dirname(old), str(out_file))
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


# show_doc's link to a symbol's line on the forge: `<a href="<git_url>/blob/<branch>/<file>#L<n>" ...>source</a>`
_SOURCE_LINK = re.compile(r'<a href="[^"]*\bblob/[^"]*"[^>]*>source</a>')


def fix_site(site: Path, proc: Path, quiet: bool) -> int:
    "Rename the pages, rewrite links, localise KaTeX and strip network loads; return the number of pages."
    from nbdev.config import get_config

    cfg = get_config()
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
        m = _OFFSET.search(html)
        offset = m.group(1) if m else posixpath.relpath(".", posixpath.dirname(rel) or ".") + "/"
        prefix = "" if offset in ("", "./") else offset
        html = _KATEX_TAG.sub("", html)
        html = _ATTR.sub(lambda a: a.group(1) + rewrite_url(a.group(2), rel, renames, base, pages) + a.group(3), html)
        html = strip_network_html(html, rel)
        if not git_url:  # unpublished: show_doc's "source" links would point at a repository that does not exist yet
            html = _SOURCE_LINK.sub("", html)
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
    site, link_warnings = smalldocs_render(proc, args.quiet)
    install_katex(site, katex_dist(args.quiet))
    install_figzoom(site)
    n_pages = fix_site(site, proc, args.quiet)
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/search_index.py, next to this file
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
