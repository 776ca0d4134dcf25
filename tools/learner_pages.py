"""What the docs tools share about the learner's path: which pages are learner pages, the reading order, the markers.

Imported by tools/build_docs.py, tools/browser_check.py and tools/check_learner_nbs.py (from the tools/ folder).

* `LEARNER_PAGES`: the learner pages, by the name of their page in docs/ without `.html`. A page of this list that the
  site does not have (yet) is skipped with a note by every tool, never an error.
* `reading_order()`: the notebooks of nbs/sidebar.yml in the sidebar's order (the order of the previous/next links).
* `page_name(notebook)`: the file name of a notebook's page (front matter `output-file`, else nbdev's name), the one
  rule of build_docs (renames, reading order, learner pages) and of the browser check's next links.
* The fold directive: a code cell whose first lines hold `#| fold`, or a markdown cell whose first line is
  `<!-- fold -->`, is moved, with its outputs and in notebook order, into one closed `<details>` at the bottom of its
  page ("Tests and package details"). nbdev_test still runs it where it is: the fold is only presentation.
* The one-screen directive: a code cell with `#| one-screen` is wrapped, code and outputs, in
  `<div class="one-screen">` (the browser check measures that box). A markdown cell holding `<div class="one-screen">`
  and a later one holding `</div>` does the same for several cells.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The learner pages (issue 21), keyed by their page name in docs/ (`forward` is docs/forward.html)
LEARNER_PAGES = (
    "start_here", "forward", "through_time", "layout",
    "d_y_hat", "d_c", "d_c_tilde", "d_candidate", "d_update", "d_gamma_r", "d_relevance", "d_c_prev",
    "d_head", "worked_example", "cheatsheet", "bptt",
)

FOLD_DIRECTIVE = "fold"  # `#| fold` on a code cell
FOLD_MD_MARKER = "<!-- fold -->"  # the first line of a markdown cell
FOLD_SUMMARY = "Tests and package details"
FOLD_CLASS = "fold-tests"
ONE_SCREEN_DIRECTIVE = "one-screen"  # `#| one-screen` on a code cell
ONE_SCREEN_CLASS = "one-screen"
LEARNER_NB_DIR = "nbs"  # learner copies of the learner pages: docs/nbs/<page>.ipynb
TEST_LINE = r"\b(?:test_eq|test_close|test_fail|test_ne|test_is|test_eq_type|assert\w*)\b"  # a test line, as measured


def is_learner(page: str) -> bool:
    "Is `page` (`forward`, `forward.html` or `sub/forward.html`) a learner page?"
    name = page.rsplit("/", 1)[-1]
    return (name[:-5] if name.endswith(".html") else name) in LEARNER_PAGES


def reading_order(nbs: Path | None = None) -> list[str]:
    "The notebooks (paths relative to nbs/) of nbs/sidebar.yml, in the sidebar's order, sections flattened."
    import yaml

    nbs = nbs or ROOT / "nbs"
    conf = yaml.safe_load((nbs / "sidebar.yml").read_text(encoding="utf-8")) or {}
    out: list[str] = []

    def walk(items) -> None:
        for it in items or []:
            if isinstance(it, str):
                out.append(it)
            elif isinstance(it, dict):
                href = it.get("href") or it.get("file")
                if isinstance(href, str):
                    out.append(href)
                walk(it.get("contents"))

    sidebar = ((conf.get("website") or {}).get("sidebar")) or {}
    for part in sidebar if isinstance(sidebar, list) else [sidebar]:
        walk(part.get("contents") if isinstance(part, dict) else None)
    return [o for o in dict.fromkeys(out) if o.endswith((".ipynb", ".qmd", ".md"))]


def front_matter(nb_path: Path) -> dict:
    "The YAML front matter of the first raw cell (`---` ... `---`) of a notebook: in a processed one, what nbdev put there."
    import json
    import re

    import yaml

    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "raw":
            continue
        s = cell.get("source", [])
        src = "".join(s) if isinstance(s, list) else str(s)
        m = re.match(r"\s*---\s*\n(.*?)\n---\s*$", src, flags=re.DOTALL)
        if m:
            return yaml.safe_load(m.group(1)) or {}
    return {}


def page_name(nb_path: Path | str) -> str:
    """The file name of a notebook's docs page (`nbs/00_forward.ipynb` -> `forward.html`), for a notebook of nbs/ or a
    processed one of `_proc/`: the `output-file` of its front matter (nbdev writes it into every processed notebook
    that has front matter), else nbdev's name for the page (`_nbpath2html`: lower case, the number prefix dropped).
    The page's folder is the notebook's, relative to nbs/ (join it with `posixpath.dirname` of that path)."""
    from nbdev.doclinks import _nbpath2html

    out_file = front_matter(Path(nb_path)).get("output-file")
    return str(out_file) if out_file else _nbpath2html(Path(nb_path)).name


def has_directive(src: str, name: str) -> bool:
    "Does the code cell `src` carry the directive `#| name` (among its leading `#|` lines)?"
    for line in src.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#|"):
            return False
        if s[2:].split(":")[0].split() == [name] or s[2:].split() == [name]:
            return True
    return False


def is_folded_markdown(src: str) -> bool:
    "Is the markdown cell `src` marked for the fold (its first line `<!-- fold -->`)?"
    return src.lstrip().startswith(FOLD_MD_MARKER)
