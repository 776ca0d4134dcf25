"""Open every page of the built docs/ from file:// in Chromium (driven by Playwright) at a desktop and a phone width.

    python tools/browser_check.py                   # every page at 1280x900 and 390x844
    python tools/browser_check.py --strict-widths   # width violations fail too
    python tools/browser_check.py forward.html      # only these pages (the search checks still run)
    python tools/browser_check.py --learner         # the learner pages' rules fail too (CI: --strict-widths --learner)
    python tools/browser_check.py --measures F      # write the learner pages' measures table to F as well

Uses Debian's Chromium (`/usr/bin/chromium`, `--chromium PATH` or $CHROMIUM): Playwright's own browser is never
downloaded. For each page and width it:

* fails on a KaTeX error (`.katex-error`, or a command typeset in KaTeX's error colour);
* fails on any request that is not file:// or data: (it is aborted and named), and on a local file that does not load;
* fails on a broken internal link: an `href`/`src` to a file missing from docs/ or outside it, or an `#anchor`
  that is not an id of the target page as the browser rendered it;
* measures widths against the content column (`main.content`):
  at the desktop width, a maths display (`.katex-display`), table, figure or img whose content is wider than the
  column (even when it scrolls), or a code block (`pre`) whose box is wider than the column (a `pre` may scroll
  inside its own box: code keeps its lines); at the phone width, anything that spills past the column without an
  ancestor, up to the column, that scrolls (`overflow-x: auto|scroll`) or clips it;
* on the learner pages (tools/learner_pages.py: LEARNER_PAGES; one missing from docs/ is skipped with a note), prints
  a table of measures and a summary: at 1280 px the visible code height (`pre`: cell code, signatures and outputs
  shown as code, not inside a closed `<details>`) as a fraction of the content column's height, and the visible lines
  matching test_eq/test_close/test_fail/test_ne/assert; at 390 px the tables wider than the column; at both widths
  the boxes that scroll sideways without the scroll cue (site_libs/scrollcue.js). With `--learner` these fail: an
  average code fraction over 25 % or a page over 40 %, a test line visible by default, a table wider than the column
  at 390 px, a box scrolling with no cue, a page of the reading order (nbs/sidebar.yml) with no `rel="next"` link to
  the next page, and the one-screen box (class `one-screen`, required on through_time.html) not fitting the
  1280x900 window under the header with no scroll, or code in it under 13 px;
* writes a full-page screenshot to docs_shots/<width>/<page>.png (git-ignored; never under docs/).
* checks every figure of the content column (an `<img>`, or an `<svg>` that is not part of KaTeX's maths): it must
  have a text alternative (`alt`, or `aria-label`/`title` for an inline SVG) and open in the zoom overlay
  (site_libs/figzoom.js) when clicked, at least as wide as it is on the page; Escape closes the overlay, and so does a
  click on it. The first figure of a page is also shot enlarged, to docs_shots/<width>/<page>.zoom.png.

It also runs the search checks of tools/search_check.py in the search box of index.html, from file:// and over a
local http server: a table of queries each with the pages one of which must be in its first three results, a
held-back table (a minimum hit rate), the contrast of the results and no TeX in their snippets. Width violations are printed and counted but fail only with
`--strict-widths`. Exit 0 when nothing failed, 1 otherwise, 2 when the browser cannot start.
"""

import argparse
import asyncio
import functools
import http.server
import os
import posixpath
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learner_pages import LEARNER_PAGES, ONE_SCREEN_CLASS, TEST_LINE, is_learner, page_name, reading_order  # noqa: E402
import search_check  # noqa: E402  (tools/search_check.py: the search's query tables and checks)

ROOT = Path(__file__).resolve().parent.parent
VIEWPORTS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
CHROME_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # a request slipping past the route resolves nowhere
]
ERROR_COLOR = "#cc0001"  # KaTeX's errorColor, as docs/site_libs/katex/render-math.js sets it
TOL = 1  # px: sub-pixel rounding is not an overflow

# Runs in the page: KaTeX errors, links, ids and the width violations for one mode ("wide" or "narrow").
MEASURE_JS = r"""
([mode, errorColor, tol]) => {
  const main = document.querySelector("main.content") || document.querySelector("main") || document.body;
  const col = main.getBoundingClientRect();
  const short = (s, n) => { s = (s || "").replace(/\s+/g, " ").trim(); return s.length > n ? s.slice(0, n - 1) + "…" : s; };
  const kindOf = (el) => {
    const math = el.closest(".katex-display") || el.closest(".katex");
    if (math) return math.classList.contains("katex-display") ? "math display" : "inline math";
    const t = el.tagName.toLowerCase();
    if (["table", "figure", "img", "pre", "svg"].includes(t)) return t;
    if (el.closest("pre")) return "pre";
    if (el.closest("table")) return "table";
    return t + (el.classList.length ? "." + Array.from(el.classList).slice(0, 2).join(".") : "");
  };
  const labelOf = (el) => {
    const math = el.closest(".katex-display, .katex");
    if (math) { const a = math.querySelector("annotation"); return short(a ? a.textContent : math.textContent, 60); }
    const t = el.tagName.toLowerCase();
    if (t === "img") return short((el.getAttribute("src") || "").split("/").pop(), 60);
    const heading = (() => { for (let e = el; e && e !== main; e = e.previousElementSibling || e.parentElement) {
      if (/^H[1-6]$/.test(e.tagName)) return e.id ? "#" + e.id : short(e.textContent, 30); } return ""; })();
    return short(el.textContent, 50) + (heading ? "  (under " + heading + ")" : "");
  };
  const out = [];
  const reported = [];
  const add = (el, need, what) => {
    reported.push(el);
    out.push({ kind: what || kindOf(el), width: Math.round(need), col: Math.round(col.width), label: labelOf(el) });
  };
  if (mode === "wide") {
    for (const el of main.querySelectorAll(".katex-display, table, figure, img, pre")) {
      if (reported.some((r) => r.contains(el))) continue;
      const r = el.getBoundingClientRect();
      if (!r.width && !r.height) continue;  // not shown (a closed tab, a collapsed block)
      // a code block may scroll inside its own box (its lines are kept, never wrapped): only its box must fit
      const ownScroll = el.tagName === "PRE" && ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
      const need = ownScroll ? r.width : Math.max(r.width, el.scrollWidth);
      if (need > col.width + tol) add(el, need);
    }
  } else {
    // the outermost element that reaches past the column, unless an ancestor up to the column scrolls or clips it
    const visit = (el) => {
      const cs = getComputedStyle(el);
      if (cs.display === "none" || cs.position === "fixed") return false;
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > col.right + tol || r.left < col.left - tol)) {
        add(el, r.width);
        return true;
      }
      if (cs.overflowX !== "visible") return false;  // auto/scroll: it scrolls inside its box; hidden/clip: cut
      let hit = false;
      for (const ch of el.children) hit = visit(ch) || hit;
      // text (a long word or line) running out of a box that itself fits
      if (!hit && !cs.display.startsWith("inline") && el.clientWidth > 0 && r.left + el.scrollWidth > col.right + tol) {
        add(el, el.scrollWidth, "text in " + el.tagName.toLowerCase());
        hit = true;
      }
      return hit;
    };
    for (const ch of main.children) visit(ch);
  }
  const katexErrors = document.querySelectorAll(".katex-error").length +
    Array.from(document.querySelectorAll("[mathcolor]")).filter((e) => e.getAttribute("mathcolor").toLowerCase() === errorColor).length;
  const links = [];
  for (const el of document.querySelectorAll("[href], [src]")) {
    const tag = el.tagName.toLowerCase();
    if (tag === "base") continue;
    for (const attr of ["href", "src"]) {
      const raw = el.getAttribute(attr);
      if (raw === null || raw.trim() === "" || raw.trim().startsWith("#")) continue;
      let abs;
      try { abs = new URL(raw, document.baseURI).href; } catch (e) { abs = raw; }
      links.push([tag, raw, abs]);
    }
  }
  return {
    violations: out,
    katex: document.querySelectorAll(".katex").length,
    katexErrors,
    ids: Array.from(document.querySelectorAll("[id]"), (e) => e.id).concat(Array.from(document.querySelectorAll("a[name]"), (e) => e.name)),
    links,
    pageWidth: document.documentElement.scrollWidth,
  };
}
"""

# Runs in the page (learner pages): how much of the page is code, the test lines on show, tables wider than the column,
# scrolling boxes without a cue at their cut edge, and the one-screen box
LEARNER_JS = r"""
([testRe, oneClass, tol]) => {
  const main = document.querySelector("main.content") || document.querySelector("main") || document.body;
  const col = main.getBoundingClientRect();
  const shown = (el) => {
    if (el.closest("details:not([open])") && !el.closest("summary")) return false;  // in a closed fold
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const short = (s, n) => { s = (s || "").replace(/\s+/g, " ").trim(); return s.length > n ? s.slice(0, n - 1) + "…" : s; };
  const re = new RegExp(testRe);
  let codePx = 0, testLines = 0;
  const tests = [];
  // code: source blocks and outputs shown as code (`pre`: cell code, show_doc signatures, text outputs)
  for (const p of main.querySelectorAll("pre")) {
    if (p.parentElement.closest("pre") || !shown(p)) continue;
    codePx += p.getBoundingClientRect().height;
    for (const line of p.textContent.split("\n")) {
      if (re.test(line)) { testLines++; if (tests.length < 3) tests.push(short(line, 70)); }
    }
  }
  const tables = [];
  for (const t of main.querySelectorAll("table")) {
    if (!shown(t)) continue;
    const r = t.getBoundingClientRect();
    const need = Math.max(r.width, t.scrollWidth);
    if (need > col.width + tol) tables.push({ width: Math.round(need), col: Math.round(col.width),
      label: short((t.querySelector("th") || t).textContent, 40) });
  }
  const uncued = [];
  for (const el of main.querySelectorAll("*")) {
    if (el.closest(".katex") && !el.classList.contains("katex-display")) continue;
    const cs = getComputedStyle(el);
    if (!["auto", "scroll"].includes(cs.overflowX) || el.scrollWidth <= el.clientWidth + tol || !shown(el)) continue;
    if (!el.classList.contains("scroll-cue")) uncued.push(el.tagName.toLowerCase() + ": " + short(el.textContent, 40));
  }
  let one = null;
  const box = document.querySelector("." + oneClass);
  if (box) {
    const r = box.getBoundingClientRect();
    const head = document.querySelector("#quarto-header");
    let scrolls = 0, font = Infinity;
    for (const el of [box, ...box.querySelectorAll("*")]) {
      const cs = getComputedStyle(el);
      if (["auto", "scroll"].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + tol) scrolls++;
      if (["auto", "scroll"].includes(cs.overflowY) && el.scrollHeight > el.clientHeight + tol) scrolls++;
    }
    for (const el of box.querySelectorAll("pre, code")) font = Math.min(font, parseFloat(getComputedStyle(el).fontSize));
    one = { width: Math.round(r.width), height: Math.round(r.height), scrolls, font: font === Infinity ? 0 : font,
            room: Math.round(innerHeight - (head ? head.getBoundingClientRect().height : 0)), vw: innerWidth };
  }
  return { codePx: Math.round(codePx), pagePx: Math.round(col.height), testLines, tests, tables, uncued, one };
}
"""
NEXT_JS = """() => Array.from(document.querySelectorAll('a[rel~="next"]'), (a) => a.href)"""
MIN_CODE_FONT = 13  # px: code in the one-screen box
MAX_AVG_CODE, MAX_PAGE_CODE = 0.25, 0.40  # visible code over page height on the learner pages: on average, on any page


# Runs in the page: the figures of the content column, each tagged with data-bc-fig=<index> for the clicks that follow
FIGURES_JS = r"""
() => {
  const main = document.querySelector("main.content") || document.querySelector("main") || document.body;
  const out = [];
  for (const el of main.querySelectorAll("img, svg")) {
    const tag = el.tagName.toLowerCase();
    if (el.closest(".katex") || (tag === "svg" && el.parentElement.closest("svg"))) continue;  // maths; parts of a figure
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;  // not shown (a collapsed block)
    let alt = tag === "img" ? el.getAttribute("alt") : (el.getAttribute("aria-label") || el.getAttribute("title"));
    if (!alt && tag === "svg") { const t = el.querySelector(":scope > title"); alt = t ? t.textContent : ""; }
    el.setAttribute("data-bc-fig", String(out.length));
    const cap = el.closest("figure") && el.closest("figure").querySelector("figcaption");
    out.push({ tag, alt: (alt || "").trim(), width: r.width, label: cap ? cap.textContent.trim().slice(0, 50) : (el.id || tag) });
  }
  return out;
}
"""
OVERLAY_JS = r"""
() => {
  const o = document.querySelector(".figzoom");
  if (!o || o.hidden || getComputedStyle(o).display === "none") return null;
  const f = o.querySelector("svg, img");
  return { width: f ? f.getBoundingClientRect().width : 0, dupIds: (() => {
    const ids = Array.from(document.querySelectorAll("[id]"), (e) => e.id);
    return ids.length - new Set(ids).size; })() };
}
"""


async def check_figures(tab, res: "Result", width: str, shots: Path | None) -> None:
    "Every figure has a text alternative and opens full size in the zoom overlay; Escape and a click close it."
    figs = await tab.evaluate(FIGURES_JS)
    res.figures = len(figs)
    for i, f in enumerate(figs):
        what = f"figure {i + 1} (<{f['tag']}> {f['label']!r})"
        if len(f["alt"]) < 10:
            res.failures.append(f"{what} has no text alternative (alt, aria-label or title): {f['alt']!r}")
        fig = tab.locator(f'[data-bc-fig="{i}"]')
        await fig.click()
        shown = await tab.evaluate(OVERLAY_JS)
        if not shown:
            res.failures.append(f"{what}: a click did not open the zoom overlay")
            continue
        if shown["width"] + TOL < f["width"]:
            res.failures.append(f"{what}: enlarged {shown['width']:.0f} px wide, narrower than on the page ({f['width']:.0f} px)")
        if shown["dupIds"]:
            res.failures.append(f"{what}: {shown['dupIds']} id(s) twice on the page while the overlay is open")
        if i == 0 and shots:
            await tab.screenshot(path=str(shots / width / (res.page[:-5] + ".zoom.png")))
        res.zoom = max(res.zoom, shown["width"] / max(f["width"], 1))
        await tab.keyboard.press("Escape")
        if await tab.evaluate(OVERLAY_JS):
            res.failures.append(f"{what}: Escape did not close the zoom overlay")
            continue
        await fig.click()
        await tab.locator(".figzoom").click(position={"x": 5, "y": 5})
        if await tab.evaluate(OVERLAY_JS):
            res.failures.append(f"{what}: a click on the overlay did not close it")


def chromium_path(given: str | None) -> str:
    for cand in (given, os.environ.get("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"):
        if cand and shutil.which(cand):
            return shutil.which(cand)
    raise SystemExit("browser_check: no chromium found: apt-get install -y chromium (or pass --chromium PATH)")


class Result:
    def __init__(self, page: str, width: str) -> None:
        self.page, self.width = page, width
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.violations: list[dict] = []
        self.ids: set[str] = set()
        self.links: list[list[str]] = []
        self.katex = 0
        self.figures = 0
        self.zoom = 0.0  # the largest enlargement of a figure by the zoom overlay (width in it / width on the page)
        self.learner: dict | None = None  # LEARNER_JS's measures, on a learner page
        self.next_links: list[str] = []  # hrefs of the page's rel="next" links, absolute


async def check_page(context, docs: Path, page: str, width: str, shots: Path | None, sem: asyncio.Semaphore) -> Result:
    res = Result(page, width)
    async with sem:
        tab = await context.new_page()
        tab.on("requestfailed", lambda r: res.failures.append(f"request failed: {r.url} ({r.failure})")
               if r.url.startswith("file:") else None)  # aborted remote requests are reported by the route
        tab.on("pageerror", lambda e: res.failures.append(f"JavaScript error: {str(e).splitlines()[0][:200]}"))
        try:
            await tab.goto((docs / page).as_uri(), wait_until="load", timeout=60_000)
            await tab.evaluate("() => document.fonts.ready.then(() => new Promise(requestAnimationFrame))")
            m = await tab.evaluate(MEASURE_JS, ["wide" if int(width) >= 992 else "narrow", ERROR_COLOR, TOL])
            res.violations, res.katex, res.ids, res.links = m["violations"], m["katex"], set(m["ids"]), m["links"]
            if m["katexErrors"]:
                res.failures.append(f"{m['katexErrors']} KaTeX error(s)")
            res.next_links = await tab.evaluate(NEXT_JS)
            if is_learner(page):
                res.learner = await tab.evaluate(LEARNER_JS, [TEST_LINE, ONE_SCREEN_CLASS, TOL])
            if m["pageWidth"] > VIEWPORTS[width]["width"] + TOL:
                res.warnings.append(f"the page scrolls sideways: {m['pageWidth']} px wide in a {width} px window")
            if shots:
                out = shots / width / (page[:-5] + ".png")
                out.parent.mkdir(parents=True, exist_ok=True)
                await tab.screenshot(path=str(out), full_page=True, timeout=60_000)
            await check_figures(tab, res, width, shots)
        except Exception as e:  # a page that does not load or measure fails, and the run goes on
            res.failures.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
        finally:
            await tab.close()
    return res


def check_links(docs: Path, results: list[Result]) -> dict[str, list[str]]:
    "Broken internal links of each page, judged on the DOM the browser rendered (ids included)."
    ids = {r.page: r.ids for r in results if r.width == "1280"}
    root = docs.as_uri().rstrip("/") + "/"
    broken: dict[str, list[str]] = {}
    for r in results:
        if r.width != "1280":
            continue
        seen = set()
        for tag, raw, abs_url in r.links:
            parts = urlsplit(abs_url)
            if parts.scheme != "file" or (tag, raw) in seen:
                continue
            seen.add((tag, raw))
            url_path = parts._replace(fragment="", query="").geturl()
            if not (url_path + "/").startswith(root) and url_path != root.rstrip("/"):
                broken.setdefault(r.page, []).append(f"<{tag}> {raw} leaves docs/")
                continue
            target = unquote(url_path[len(root):]) if url_path.startswith(root) else ""
            f = docs / target
            if f.is_dir():
                target, f = posixpath.join(target, "index.html").lstrip("/"), f / "index.html"
            if not f.is_file():
                broken.setdefault(r.page, []).append(f"<{tag}> {raw}: {target} is missing")
                continue
            anchor = unquote(parts.fragment)
            if anchor and target.endswith(".html") and tag == "a":
                target_ids = ids.get(target)
                if target_ids is not None and anchor not in target_ids:
                    broken.setdefault(r.page, []).append(f"<{tag}> {raw}: no id {anchor!r} in {target}")
    return broken


def learner_report(docs: Path, pages: list[str], by: dict, enforce: bool, out: str | None) -> int:
    """Print the learner pages' measures (a table, then a summary) and the reading order's next links; return the number
    of failures, counted when `enforce` (--learner): average visible code over MAX_AVG_CODE or a page over
    MAX_PAGE_CODE, a test line visible by default, a table wider than the column at 390 px, a box that scrolls without a
    cue, a page of the reading order without a link to the next one, a one-screen box that does not fit or is missing."""
    problems: list[str] = []
    order = [posixpath.join(posixpath.dirname(nb), page_name(ROOT / "nbs" / nb)) for nb in reading_order()]
    have = [pg for pg in order if (docs / pg).is_file()]
    for pg, nxt in zip(have, have[1:]):
        if pg not in pages or (pg, "1280") not in by:
            continue
        want = (docs / nxt).resolve()
        got = [urlsplit(u) for u in by[pg, "1280"].next_links]
        if not any(u.scheme == "file" and Path(unquote(u.path)).resolve() == want for u in got):
            problems.append(f"{pg}: no link to the next page of the reading order, {nxt} (rel=next: {by[pg, '1280'].next_links[:2]})")
    rows = []
    skipped = [lp for lp in LEARNER_PAGES if not (docs / f"{lp}.html").is_file()]
    for lp in LEARNER_PAGES:
        pg = f"{lp}.html"
        if pg not in pages or lp in skipped:
            continue
        wide, narrow = by[pg, "1280"].learner, by[pg, "390"].learner
        if not wide or not narrow:
            problems.append(f"{pg}: not measured")
            continue
        frac = wide["codePx"] / max(wide["pagePx"], 1)
        one = wide["one"]
        rows.append((pg, frac, wide, narrow, one))
        if frac > MAX_PAGE_CODE:
            problems.append(f"{pg}: visible code is {frac:.0%} of the page height (at most {MAX_PAGE_CODE:.0%} on a learner page)")
        if wide["testLines"]:
            problems.append(f"{pg}: {wide['testLines']} test line(s) visible by default, e.g. {wide['tests'][0]!r}")
        for t in narrow["tables"]:
            problems.append(f"{pg}: at 390 px a table is {t['width']} px wide in a {t['col']} px column ({t['label']!r})")
        for w, m in (("1280", wide), ("390", narrow)):
            if m["uncued"]:
                problems.append(f"{pg} @{w}: {len(m['uncued'])} box(es) scroll sideways with no cue, e.g. {m['uncued'][0]!r}")
        if one:
            if one["height"] > one["room"] or one["width"] > one["vw"] or one["scrolls"] or one["font"] < MIN_CODE_FONT:
                problems.append(f"{pg}: the one-screen box is {one['width']}x{one['height']} px (room {one['vw']}x{one['room']}), "
                                f"{one['scrolls']} scrolling part(s), code at {one['font']:g} px (at least {MIN_CODE_FONT})")
        elif lp == "through_time":
            problems.append(f"{pg}: no element of class {ONE_SCREEN_CLASS!r} (the BPTT-in-one-screen box)")
    lines = []
    if rows:
        w = max(len(r[0]) for r in rows)
        lines.append(f"{'learner page':<{w}}  code%  code px  page px  test lines  tables>col@390  uncued  one-screen")
        for pg, frac, wide, narrow, one in rows:
            o = f"{one['width']}x{one['height']} {one['font']:g}px" if one else "-"
            lines.append(f"{pg:<{w}}  {frac:>5.1%}  {wide['codePx']:>7}  {wide['pagePx']:>7}  {wide['testLines']:>10}"
                         f"  {len(narrow['tables']):>14}  {len(wide['uncued']) + len(narrow['uncued']):>6}  {o}")
        fracs = [r[1] for r in rows]
        avg = sum(fracs) / len(fracs)
        lines.append(f"learner pages: {len(rows)} measured at 1280 px; visible code {avg:.1%} of the page height on average "
                     f"(max {max(fracs):.1%}, {max(rows, key=lambda r: r[1])[0]}); {sum(r[2]['testLines'] for r in rows)} "
                     f"test lines visible; {sum(len(r[3]['tables']) for r in rows)} table(s) wider than the column at 390 px")
        if avg > MAX_AVG_CODE:
            problems.append(f"visible code is {avg:.0%} of the page height on average over the learner pages (at most {MAX_AVG_CODE:.0%})")
    if skipped:
        lines.append(f"note: learner page(s) not in docs/, skipped: {', '.join(skipped)}")
    print("\n".join(lines))
    if out:
        Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for msg in problems:
        print(f"{'FAIL' if enforce else 'note'} learner: {msg}")
    print(f"learner checks: {len(problems)} problem(s) ({'failing: --learner' if enforce else 'reported, not failing'})\n")
    return len(problems) if enforce else 0


def serve(docs: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(docs))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


async def run(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    docs = Path(args.docs).resolve()
    if not docs.is_dir():
        print(f"browser_check: {docs} does not exist: run python tools/build_docs.py first", file=sys.stderr)
        return 1
    pages = args.pages or sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.html"))
    shots = None if args.no_shots else Path(args.shots).resolve()
    if shots and (shots == docs or docs in shots.parents):
        raise SystemExit("browser_check: screenshots may not go under docs/")
    if shots and shots.exists():
        shutil.rmtree(shots)
    t0 = time.monotonic()
    async with async_playwright() as p:
        try:
            browser = await p.chromium.launch(executable_path=chromium_path(args.chromium), args=CHROME_ARGS)
        except Exception as e:
            print(f"browser_check: Chromium did not start: {e}", file=sys.stderr)
            return 2
        network: dict[str, list[str]] = {}
        contexts = {}
        for width, vp in VIEWPORTS.items():
            ctx = await browser.new_context(viewport=vp)

            async def route(r):
                url = r.request.url
                if url.startswith(("file:", "data:", "blob:", "about:")):
                    await r.continue_()
                    return
                frame = r.request.frame
                page = frame.url[len(docs.as_uri()) + 1:] if frame and frame.url.startswith(docs.as_uri()) else "?"
                network.setdefault(page, []).append(url)
                await r.abort()

            await ctx.route("**/*", route)
            contexts[width] = ctx
        sem = asyncio.Semaphore(max(1, args.jobs))
        jobs = [check_page(contexts[w], docs, pg, w, shots, sem) for pg in pages for w in VIEWPORTS]
        server, base = (None, None) if args.no_http else serve(docs)
        *results, = await asyncio.gather(*jobs)
        print("search (tools/search_check.py):")
        search_fail = await search_check.check(browser, docs, base, verbose=not args.summary_only)
        print()
        if server:
            server.shutdown()
        await browser.close()
    elapsed = time.monotonic() - t0

    by = {(r.page, r.width): r for r in results}
    broken = check_links(docs, results)
    fails = {pg: [f"[{w}] {f}" for w in VIEWPORTS for f in by[pg, w].failures]
             + [f"network: {u}" for u in dict.fromkeys(network.get(pg, []))] + broken.get(pg, []) for pg in pages}
    totals = {w: sum(len(by[pg, w].violations) for pg in pages) for w in VIEWPORTS}
    width = max(map(len, pages + ["page"]))
    print(f"{'page':<{width}}  KaTeX  figures  >col@1280  >col@390  result")
    for pg in pages:
        counts = {w: len(by[pg, w].violations) for w in VIEWPORTS}
        status = "FAIL" if fails[pg] else ("widths" if any(counts.values()) else "ok")
        print(f"{pg:<{width}}  {by[pg, '1280'].katex:>5}  {by[pg, '1280'].figures:>7}  {counts['1280']:>9}  {counts['390']:>8}  {status}")
    print(f"{'total':<{width}}  {sum(by[pg, '1280'].katex for pg in pages):>5}  {sum(by[pg, '1280'].figures for pg in pages):>7}"
          f"  {totals['1280']:>9}  {totals['390']:>8}")
    for w in VIEWPORTS:
        z = [by[pg, w].zoom for pg in pages if by[pg, w].figures]
        if z:
            print(f"figures at {w} px: {sum(by[pg, w].figures for pg in pages)} checked (text alternative, zoom); the zoom "
                  f"enlarges the most enlarged figure of a page {min(z):.2f}x to {max(z):.2f}x")
    print()
    failed_pages = sum(bool(f) for f in fails.values())
    for pg in pages:
        for msg in fails[pg]:
            print(f"FAIL {pg}: {msg}")
    stray = [u for k, v in network.items() if k not in pages for u in v]
    for u in stray:
        print(f"FAIL network (page unknown): {u}")
    if not args.summary_only:
        for pg in pages:
            for w in VIEWPORTS:
                for v in by[pg, w].violations:
                    print(f"width {pg} @{w}: {v['kind']} {v['width']} px > column {v['col']} px: {v['label']}")
                for msg in by[pg, w].warnings:
                    print(f"note  {pg} @{w}: {msg}")
    learner_fail = learner_report(docs, pages, by, args.learner, args.measures)
    print(f"\nwidth violations: {totals['1280']} at 1280 px, {totals['390']} at 390 px "
          f"({'failing: --strict-widths' if args.strict_widths else 'reported, not failing'})")
    where = f" -> {shots.relative_to(ROOT) if ROOT in shots.parents else shots}/" if shots else ""
    print(f"browser_check: {len(pages)} page(s) x {len(VIEWPORTS)} widths, {failed_pages} failing page(s), "
          f"{search_fail} failing search test(s), screenshots{where if shots else ' off'}, in {elapsed:.1f}s")
    bad = failed_pages or stray or search_fail or learner_fail or (args.strict_widths and any(totals.values()))
    return 1 if bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pages", nargs="*", help="pages to check, as paths in docs/ (default: all)")
    p.add_argument("--docs", default=str(ROOT / "docs"), help="the built site (default: the repository's docs/)")
    p.add_argument("--chromium", help="the Chromium binary (default: $CHROMIUM, else /usr/bin/chromium)")
    p.add_argument("--jobs", type=int, default=4, help="pages open at once (default 4)")
    p.add_argument("--shots", default=str(ROOT / "docs_shots"), help="screenshot folder (default docs_shots/, git-ignored)")
    p.add_argument("--no-shots", action="store_true", help="take no screenshots")
    p.add_argument("--no-http", action="store_true", help="skip the search checks over a local http server")
    p.add_argument("--strict-widths", action="store_true", help="width violations fail the check")
    p.add_argument("--summary-only", action="store_true", help="print counts, not each width violation")
    p.add_argument("--learner", action="store_true",
                   help="the learner pages' rules fail: code share, test lines, tables at 390 px, scroll cues, next links, one screen")
    p.add_argument("--measures", metavar="FILE", help="also write the learner pages' measures table to FILE")
    return asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
