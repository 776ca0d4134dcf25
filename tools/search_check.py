"""The site's search, tried in Chromium as a reader uses it: typed queries, the pages they must find, readable results.

    python tools/search_check.py                 # both tables, from file:// and over a local http server
    python tools/search_check.py --no-http       # from file:// only
    python tools/search_check.py --show "reset gate"   # print the first results of one query, and stop

`tools/browser_check.py` runs the same checks after its page checks; this file holds them so that they can also run
alone (a few seconds, against the built docs/). For each query of QUERIES and of HELD_BACK it types the query into the
search box of index.html and reads the results' links in order; a query passes when one of the first three results
is on one of the pages given for it (the page, not the anchor: a page may hold the topic under several headings).

* QUERIES must all pass. They were written from where the site teaches each topic, and the search was tuned on them.
* HELD_BACK was written at the same time, before any tuning, and never tuned on: it measures how the search does on
  queries nobody fitted it to. Its hit rate must be at least HELD_BACK_MIN; its misses are printed, not hidden.
* Every result shown for a few queries must be readable: the contrast of the snippet, the heading and the title
  against the background they are drawn on at least 4.5:1 (WCAG AA for text, computed from the browser's colours),
  and no TeX source in a snippet (a backslash command such as `\\tilde` means the maths was not turned into text).

Exit 0 when everything passed, 1 otherwise, 2 when the browser cannot start.
"""

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

# (query, pages one of which must be among the first three results). Written from where each topic is taught.
QUERIES = [
    ("reset gate", ("d_gamma_r.html", "d_relevance.html")),  # the document's relevance gate: 2.1.6 and 2.1.7
    ("relevance gate", ("d_gamma_r.html", "d_relevance.html")),
    ("vanishing gradient", ("diagnostics.html",)),  # "Gradient flow": the gradient vanishing with distance
    ("gradient clipping", ("optim.html",)),  # "Clipping by global norm"
    ("update gate", ("d_c_tilde.html", "d_update.html")),  # 2.1.3 (∂J/∂Γ_u) and 2.1.5
    ("hidden state", ("forward.html", "notation.html", "d_c.html", "d_c_prev.html")),  # the state c
    ("candidate", ("d_c_tilde.html", "d_candidate.html")),
    ("tanh", ("d_candidate.html",)),  # "Through the tanh"
    ("softmax", ("d_c.html", "forward.html")),
    ("cross entropy", ("d_c.html", "d_y_hat.html", "forward.html")),
    ("truncated", ("bptt.html",)),
    ("mask", ("bptt.html", "basics.html")),   # basics: where a mask is defined and checked (a page made after this table)
    ("complex step", ("gradcheck.html",)),
    ("central differences", ("gradcheck.html",)),
    ("Jacobian", ("layout.html", "d_c.html")),
    ("numerator layout", ("layout.html",)),
    # widened after the first run: "erratum" finds the pages' "Erratum: ..." sections first, each an erratum itself
    ("erratum", ("errata.html", "d_y_hat.html", "d_candidate.html", "d_update.html", "d_gamma_r.html", "d_c_prev.html")),
    ("errata", ("errata.html",)),
    ("trace method", ("d_candidate.html", "d_update.html", "d_relevance.html")),
    ("reset after", ("reset_after.html",)),
    ("PyTorch", ("interop.html", "which_gru.html")),
    ("Keras", ("interop.html", "which_gru.html")),
    ("Adam", ("optim.html",)),
    ("checkpoint", ("checkpoint.html",)),
    ("bidirectional", ("stack.html",)),
    ("minimal gated unit", ("mgu.html",)),
    ("worked example", ("worked_example.html",)),
    ("one hot", ("d_y_hat.html", "tasks.html")),
    ("embedded Reber", ("tasks.html", "tutorial.html")),
    ("back-propagation through time", ("bptt.html",)),
]

# Held back: written with QUERIES, before the search was tuned, and not tuned on since.
HELD_BACK = [
    ("exploding gradients", ("optim.html", "diagnostics.html")),
    ("sigmoid derivative", ("d_update.html", "d_relevance.html")),
    ("learning rate", ("optim.html",)),
    ("cheat sheet", ("cheatsheet.html",)),
    ("Cho et al", ("notation.html", "which_gru.html")),
    ("new gate", ("notation.html", "which_gru.html", "reset_after.html", "interop.html")),  # PyTorch's n
    ("gamma_r", ("d_gamma_r.html", "d_relevance.html")),
    ("previous state", ("d_c_prev.html",)),
    ("stacked GRU", ("stack.html",)),
    ("copy task", ("tasks.html",)),
    ("cuDNN", ("reset_after.html", "which_gru.html", "notation.html")),
    ("output head", ("d_head.html",)),
    ("backprop through time", ("bptt.html",)),
    ("loss function", ("forward.html", "d_y_hat.html")),
    ("vanilla RNN", ("cells.html", "diagnostics.html")),
    ("transpose", ("layout.html",)),
]
HELD_BACK_MIN = 0.75  # fixed with the table, before tuning
CONTRAST_MIN = 4.5  # WCAG 2 AA, normal text
CONTRAST_QUERIES = ("candidate", "reset gate", "softmax")  # snippets with maths in them
TOP = 3

# Runs in the page: put the query in the visible search box as typing does (an input event), then wait until the
# results have been redrawn and stay the same for a few polls; return the links in order and what each result shows.
QUERY_JS = r"""
async ([q, timeout]) => {
  const box = Array.from(document.querySelectorAll(".smalldocs-search")).find((b) => b.offsetParent !== null);
  if (!box) return { error: "no visible search box" };
  const input = box.querySelector("input"), res = box.querySelector(".smalldocs-search-results");
  const before = res.innerHTML;
  input.focus();
  input.value = q;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  const t0 = performance.now();
  let last = null, same = 0;
  while (performance.now() - t0 < timeout) {
    await new Promise((r) => setTimeout(r, 100));
    const html = res.classList.contains("show") ? res.innerHTML : "";
    if (html && html === last) same += 1; else { same = 0; last = html; }
    if (same >= 3 && (html !== before || performance.now() - t0 > 1500)) break;
  }
  const items = Array.from(res.querySelectorAll("a.search-result"));
  const txt = (el, sel) => { const e = el.querySelector(sel); return e ? e.textContent.trim() : ""; };
  return {
    hrefs: items.map((a) => a.getAttribute("href")),
    shown: items.map((a) => ({ title: txt(a, ".search-result-title"), section: txt(a, ".search-result-section"),
                               text: txt(a, ".search-result-text") })),
    none: res.textContent.trim().slice(0, 80),
  };
}
"""

# Runs in the page: the contrast of each part of the first results against the colour it is drawn on (the first
# opaque background up its ancestors, alpha composited; the page's white when none is).
CONTRAST_JS = r"""
([n]) => {
  const rgba = (s) => { const m = s.match(/[\d.]+/g) || [0, 0, 0, 0]; return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
  const over = (top, under) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const box = Array.from(document.querySelectorAll(".smalldocs-search")).find((b) => b.offsetParent !== null);
  const out = [];
  const items = box ? Array.from(box.querySelectorAll("a.search-result")).slice(0, n) : [];
  for (const a of items) {
    for (const sel of [".search-result-title", ".search-result-section", ".search-result-text", ".search-result-text mark"]) {
      for (const el of Array.from(a.querySelectorAll(sel)).slice(0, 1)) {
        const bg = background(el), fg = over(rgba(getComputedStyle(el).color), bg);
        out.push({ part: sel.replace(/\.search-result-/g, ""), ratio: ratio(fg, bg),
                   fg: fg.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round) });
      }
    }
  }
  return out;
}
"""
_TEX = re.compile(r"\\[A-Za-z]+|\\[{}]|[_^]\{")


def page_of(href: str) -> str:
    "The page a result links to, as a path in docs/ without the anchor."
    return urlsplit(href or "").path.rsplit("/", 1)[-1]


async def run_queries(browser, url: str, allowed: tuple[str, ...], tables: dict[str, list], timeout_ms: int = 15_000,
                      viewport: dict | None = None) -> dict:
    "Open `url`, run every query of every table in its search box; check contrast and snippets on CONTRAST_QUERIES."
    context = await browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []

    async def route(r):
        if r.request.url.startswith(allowed):
            await r.continue_()
        else:
            blocked.append(r.request.url)
            await r.abort()

    await context.route("**/*", route)
    out: dict = {"tables": {}, "contrast": [], "tex": [], "blocked": blocked, "errors": errors}
    try:
        tab = await context.new_page()
        tab.on("pageerror", lambda e: errors.append(f"JavaScript error: {str(e).splitlines()[0][:200]}"))
        await tab.goto(url, wait_until="load", timeout=30_000)
        box = tab.locator(".smalldocs-search input:visible").first
        await box.click()
        await box.press_sequentially("tanh", delay=20)  # once as keystrokes, as a reader types
        for name, table in tables.items():
            rows = []
            for q, want in table:
                got = await tab.evaluate(QUERY_JS, [q, timeout_ms])
                if got.get("error"):
                    raise RuntimeError(got["error"])
                pages = [page_of(h) for h in got["hrefs"]]
                rows.append({"query": q, "want": want, "top": pages[:TOP], "hrefs": got["hrefs"][:TOP],
                             "ok": any(p in want for p in pages[:TOP]), "n": len(pages), "none": got["none"]})
                if q in CONTRAST_QUERIES:
                    for s in got["shown"][:TOP]:
                        for part in ("title", "section", "text"):
                            if _TEX.search(s[part]):
                                out["tex"].append(f"{q!r}: {part} shows TeX: {s[part][:100]!r}")
                    out["contrast"] += [dict(c, query=q) for c in await tab.evaluate(CONTRAST_JS, [TOP])]
            out["tables"][name] = rows
    except Exception as e:
        errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        await context.close()
    return out


def judge(result: dict, where: str, verbose: bool = True) -> tuple[int, list[str]]:
    "Print a run's tables and checks; return (number of failed checks, summary lines)."
    fails, lines = 0, []
    for err in result["errors"]:
        print(f"FAIL search from {where}: {err}")
        fails += 1
    if result["blocked"]:
        print(f"FAIL search from {where}: requests refused: {result['blocked'][:3]}")
        fails += 1
    for name, rows in result["tables"].items():
        hits = sum(r["ok"] for r in rows)
        rate = hits / len(rows) if rows else 0.0
        for r in rows:
            if verbose or not r["ok"]:
                mark = "ok  " if r["ok"] else "MISS"
                print(f"  {mark} [{name}] {r['query']!r}: top {TOP} {r['top'] or r['none']!r}; wanted one of {list(r['want'])}")
        need = HELD_BACK_MIN if name == "held-back" else 1.0
        ok = rate >= need
        fails += not ok
        line = f"{'PASS' if ok else 'FAIL'} search from {where}: {name} queries {hits}/{len(rows)} in the top {TOP} ({rate:.0%}; need {need:.0%})"
        print(line)
        lines.append(line)
    low = [c for c in result["contrast"] if c["ratio"] < CONTRAST_MIN]
    if result["contrast"]:
        worst = min(result["contrast"], key=lambda c: c["ratio"])
        line = (f"{'PASS' if not low else 'FAIL'} search from {where}: result contrast, lowest {worst['ratio']:.2f}:1 "
                f"({worst['part']} rgb{tuple(worst['fg'])} on rgb{tuple(worst['bg'])}, {worst['query']!r}; need {CONTRAST_MIN}:1)")
        print(line)
        lines.append(line)
        fails += bool(low)
    elif not result["errors"]:
        print(f"FAIL search from {where}: no result to measure the contrast of")
        fails += 1
    for t in result["tex"]:
        print(f"FAIL search from {where}: {t}")
    fails += bool(result["tex"])
    return fails, lines


async def check(browser, docs: Path, http_base: str | None, verbose: bool = True) -> int:
    "Both tables from file:// (and over http when a base URL is given); return the number of failed checks."
    tables = {"query": QUERIES, "held-back": HELD_BACK}
    runs = [("file://", run_queries(browser, (docs / "index.html").as_uri(), ("file:", "data:"), tables))]
    if http_base:
        runs.append(("http", run_queries(browser, http_base + "index.html", (http_base, "data:"), tables)))
    results = await asyncio.gather(*(r for _, r in runs))
    fails = 0
    for (where, _), res in zip(runs, results):
        f, _ = judge(res, where, verbose=verbose and where == "file://")
        fails += f
    return fails


async def show(browser, docs: Path, query: str) -> None:
    res = await run_queries(browser, (docs / "index.html").as_uri(), ("file:", "data:"), {"show": [(query, ())]})
    for err in res["errors"]:
        print(err)
    for r in res["tables"].get("show", []):
        print(f"{r['n']} result(s); first {TOP}: {r['hrefs']}")


async def main_async(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from browser_check import CHROME_ARGS, chromium_path, serve

    docs = Path(args.docs).resolve()
    if not (docs / "index.html").exists():
        print(f"search_check: {docs}/index.html does not exist: run python tools/build_docs.py first", file=sys.stderr)
        return 1
    t0 = time.monotonic()
    async with async_playwright() as p:
        try:
            browser = await p.chromium.launch(executable_path=chromium_path(args.chromium), args=CHROME_ARGS)
        except Exception as e:
            print(f"search_check: Chromium did not start: {e}", file=sys.stderr)
            return 2
        if args.show:
            await show(browser, docs, args.show)
            await browser.close()
            return 0
        server, base = (None, None) if args.no_http else serve(docs)
        fails = await check(browser, docs, base)
        if server:
            server.shutdown()
        await browser.close()
    print(f"search_check: {fails} failing check(s) in {time.monotonic() - t0:.1f}s")
    return 1 if fails else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", default=str(ROOT / "docs"), help="the built site (default: the repository's docs/)")
    p.add_argument("--chromium", help="the Chromium binary (default: $CHROMIUM, else /usr/bin/chromium)")
    p.add_argument("--no-http", action="store_true", help="only from file://")
    p.add_argument("--show", metavar="QUERY", help="print the first results of one query")
    return asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
