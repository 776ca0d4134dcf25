"""Check the built docs/ in headless Chromium: maths typeset by KaTeX, nothing loaded from the network, no broken link.

    python tools/check_docs.py                          # check every page of docs/
    python tools/check_docs.py --screenshot forward.html /tmp/shot.png

For each HTML page, Chromium (Debian's `chromium`, or `--chromium PATH`, or $CHROMIUM) loads it from file://,
runs its scripts for a virtual 5 s, and dumps the DOM. A page fails when:

* KaTeX left an error (`katex-error`), or a maths span of the page was not typeset;
* `$$`, `\\(` or `\\[` is left in the text outside code (maths that nobody typeset);
* the DOM loads anything over http(s): `<script src>`, `<link href>`, `<img src>`, ..., `@import`, `url(...)`;
* an internal link (`href`/`src` that is relative and not only `#anchor`) names a file that is missing;
* an internal link's `#anchor` is not an id in its target page (`--warn-anchors` makes this a warning).

Every CSS file under docs/ is checked for remote `@import` and `url(...)` too. Installs nothing. Exit 1 on any failure.
"""

import argparse
import html
import os
import posixpath
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=5000",
    # no name resolves: a page that tries the network gets nothing, at once, and this check never waits on it
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
ERROR_COLOR = "#cc0001"  # KaTeX's errorColor, as docs/site_libs/katex/render-math.js sets it
PAGE_TIMEOUT = 90  # seconds of real time for one Chromium run

_REMOTE_TAG = re.compile(
    r"""<(script|link|img|iframe|source|video|audio|embed|track|input)\b[^>]*?\s(src|href|srcset|poster)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]*)""",
    re.IGNORECASE,
)
_REMOTE_CSS = re.compile(r"""(@import\s+(?:url\(\s*)?["']?\s*(?:https?:)?//[^;"')]*|url\(\s*(?:["']|&quot;)?\s*(?:https?:)?//[^)"']*)""", re.IGNORECASE)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_STYLE_ATTR = re.compile(r"\sstyle=\"([^\"]*)\"", re.IGNORECASE)
_IGNORED_TEXT = {"script", "style", "code", "pre", "annotation", "textarea", "math", "svg"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Dom(HTMLParser):
    "What the checks need from a dumped DOM: ids, links, maths counts and the text outside code."

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, url) of href/src attributes
        self.text: list[str] = []
        self.katex = self.katex_errors = self.math_spans = 0
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        classes = (a.get("class") or "").split()
        self.katex += "katex" in classes
        self.katex_errors += "katex-error" in classes
        self.katex_errors += (a.get("mathcolor") or "").lower() == ERROR_COLOR  # an unknown command, typeset in red
        self.math_spans += tag == "span" and "math" in classes and ("inline" in classes or "display" in classes)
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, a[key]))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not _IGNORED_TEXT.intersection(self.stack):
            self.text.append(data)


def chromium_binary(given: str | None) -> str:
    for cand in (given, os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if cand and shutil.which(cand):
            return shutil.which(cand)
    raise SystemExit("check_docs: no chromium found: apt-get install -y chromium (or pass --chromium PATH)")


def run_chromium(chrome: str, extra: list[str], url: str) -> subprocess.CompletedProcess:
    "One headless Chromium run with a fresh profile; its whole process group is ended on a timeout."
    with tempfile.TemporaryDirectory(prefix="check_docs-") as profile:
        cmd = [chrome, *FLAGS, f"--user-data-dir={profile}", *extra, url]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=PAGE_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this run started, and only it
            out, err = proc.communicate()
            return subprocess.CompletedProcess(cmd, -9, out, err + f"\ntimed out after {PAGE_TIMEOUT}s")
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def dump_dom(chrome: str, page: Path) -> tuple[str, str]:
    "The page's DOM after its scripts ran, and an error message when Chromium failed."
    res = run_chromium(chrome, ["--dump-dom"], page.resolve().as_uri())
    if res.returncode != 0 or "</html>" not in res.stdout:
        tail = " | ".join(res.stderr.strip().splitlines()[-3:])
        return res.stdout, f"chromium failed (exit {res.returncode}): {tail}"
    return res.stdout, ""


def resolve(docs: Path, page: str, url: str) -> tuple[str | None, str]:
    "An internal link as (site path of its target, anchor); target None when the link is not internal."
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//") or not parts.path:
        return None, parts.fragment
    path = unquote(parts.path)
    target = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(page), path))
    if (docs / target).is_dir():
        target = posixpath.join(target, "index.html")
    return target, unquote(parts.fragment)


def check(docs: Path, chrome: str, workers: int, warn_anchors: bool) -> int:
    pages = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.html"))
    if not pages:
        print(f"check_docs: no HTML page in {docs}", file=sys.stderr)
        return 1
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, min(workers, 2))) as ex:
        dumps = dict(zip(pages, ex.map(lambda p: dump_dom(chrome, docs / p), pages)))
    doms: dict[str, Dom] = {}
    for page, (dom_text, _) in dumps.items():
        d = Dom()
        d.feed(dom_text)
        doms[page] = d
    ids_cache: dict[str, set[str]] = {}

    def ids_of(target: str) -> set[str]:
        if target in doms:
            return doms[target].ids
        if target not in ids_cache:
            d = Dom()
            d.feed((docs / target).read_text(encoding="utf-8", errors="replace"))
            ids_cache[target] = d.ids
        return ids_cache[target]

    failures: dict[str, list[str]] = {p: [] for p in pages}
    warnings: dict[str, list[str]] = {p: [] for p in pages}
    for page in pages:
        dom_text, err = dumps[page]
        d, fail = doms[page], failures[page]
        if err:
            fail.append(err)
            continue
        static = Dom()
        static.feed((docs / page).read_text(encoding="utf-8", errors="replace"))
        if d.katex_errors:
            fail.append(f"{d.katex_errors} KaTeX error(s): a parse error (katex-error) or an unknown command")
        if d.katex < static.math_spans:
            fail.append(f"{static.math_spans} maths span(s) in the page but only {d.katex} typeset by KaTeX")
        text = "".join(d.text)
        for mark in ("$$", "\\(", "\\["):
            i = text.find(mark)
            if i >= 0:
                fail.append(f"untypeset maths {mark!r} in the text: {text[max(0, i - 30):i + 40]!r}")
        for m in _REMOTE_TAG.finditer(dom_text):
            fail.append(f"<{m.group(1).lower()} {m.group(2)}> loads from the network: {m.group(3)}")
        css_in_page = _STYLE_BLOCK.findall(dom_text) + [html.unescape(v) for v in _STYLE_ATTR.findall(dom_text)]
        for m in (m for css in css_in_page for m in _REMOTE_CSS.finditer(css)):
            fail.append(f"CSS loads from the network: {m.group(1)[:100]}")
        seen = set()
        for tag, url in d.links:
            target, anchor = resolve(docs, page, url.strip())
            if target is None or (tag, url) in seen:
                continue
            seen.add((tag, url))
            if target.startswith("../") or target == "..":
                fail.append(f"<{tag}> {url} leaves docs/")
            elif not (docs / target).is_file():
                fail.append(f"<{tag}> {url}: {target} is missing")
            elif anchor and target.endswith(".html") and anchor not in ids_of(target):
                (warnings[page] if warn_anchors else fail).append(f"<{tag}> {url}: no id {anchor!r} in {target}")
    css_fail = []
    for css in sorted(docs.rglob("*.css")):
        for m in _REMOTE_CSS.finditer(css.read_text(encoding="utf-8", errors="replace")):
            css_fail.append(f"{css.relative_to(docs).as_posix()}: loads from the network: {m.group(1)[:100]}")
    elapsed = time.monotonic() - t0

    width = max(len(p) for p in pages + ["page"])
    print(f"{'page':<{width}}  {'KaTeX':>5}  {'errors':>6}  result")
    for page in pages:
        d = doms[page]
        status = "FAIL" if failures[page] else ("warn" if warnings[page] else "ok")
        print(f"{page:<{width}}  {d.katex:>5}  {d.katex_errors:>6}  {status}")
    problems = [(p, "FAIL", m) for p in pages for m in failures[p]] + [(p, "warn", m) for p in pages for m in warnings[p]]
    if problems or css_fail:
        print()
    for page, kind, msg in problems:
        print(f"{kind} {page}: {msg}")
    for msg in css_fail:
        print(f"FAIL {msg}")
    n_fail = sum(bool(f) for f in failures.values()) + bool(css_fail)
    total = sum(d.katex for d in doms.values())
    print(f"\ncheck_docs: {len(pages)} page(s), {total} KaTeX element(s), {n_fail} failing, in {elapsed:.1f}s")
    return 1 if n_fail else 0


def screenshot(docs: Path, chrome: str, page: str, out: Path) -> int:
    target = Path(page)
    if not target.is_file():
        target = docs / page
    if not target.is_file():
        print(f"check_docs: no page {page} (looked in . and {docs})", file=sys.stderr)
        return 1
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    res = run_chromium(chrome, [f"--screenshot={out}", "--window-size=1280,2000", "--hide-scrollbars"], target.resolve().as_uri())
    if res.returncode != 0 or not out.exists():
        print(f"check_docs: screenshot failed (exit {res.returncode}): {res.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    print(f"check_docs: screenshot of {target} written to {out}")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", default=str(ROOT / "docs"), help="the built site (default: the repository's docs/)")
    p.add_argument("--chromium", help="the Chromium binary (default: $CHROMIUM, else chromium on PATH)")
    p.add_argument("--workers", type=int, default=2, help="pages checked at once (at most 2)")
    p.add_argument("--warn-anchors", action="store_true", help="report a missing #anchor as a warning, not a failure")
    p.add_argument("--screenshot", nargs=2, metavar=("PAGE", "OUT.png"), help="only take a screenshot of PAGE (a path in docs/)")
    args = p.parse_args()
    docs = Path(args.docs).resolve()
    chrome = chromium_binary(args.chromium)
    if args.screenshot:
        return screenshot(docs, chrome, args.screenshot[0], Path(args.screenshot[1]))
    if not docs.is_dir():
        print(f"check_docs: {docs} does not exist: run python tools/build_docs.py first", file=sys.stderr)
        return 1
    return check(docs, chrome, args.workers, args.warn_anchors)


if __name__ == "__main__":
    sys.exit(main())
