"""Put a learner page's lesson first: mark its test and guard cells `#| fold`, hide its import cells.

    python tools/fold_tests.py nbs/13_d_c_tilde.ipynb ...     # rewrite the notebooks in place
    python tools/fold_tests.py --dry-run nbs/13_d_c_tilde.ipynb   # say what would change

A one-off helper for authors (the notebooks stay the source; run nbdev_clean after it). What it does to each code cell:

* a cell of imports only (exported or not), not yet hidden: `#| hide` (it still runs under nbdev_test, is still
  exported, and stays in the learner's copy);
* a cell whose top-level statements are all checks (`test_*(…)`, `assert`, `.assert_ok()`, `.assert_fails()`): `#| fold`;
* a cell that mixes checks with a demonstration: split in two, the demonstration (with the cell's outputs, which the
  last expression made) first and visible, the checks after it in a `#| fold` cell; statements keep their order
  within each part, and a check never feeds a later demonstration line (the cell is left whole if one does);
* a cell with checks that cannot be split safely: `#| fold` whole (its output folds with it);
* `#| export` cells (the package's guards and machinery; a lesson's function is `#| exports`, shown): `#| fold`,
  unless they define a name listed with --keep;
* a markdown cell that only introduces checks (it ends with ':' and every code cell up to the next markdown is
  folded): marked `<!-- fold -->` so it folds with them.
Cells already carrying `#| hide`, `#| fold`, `#| echo: false`, `#| exports` or `#| default_exp` are left as they are.
"""

import argparse
import ast
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learner_pages import FOLD_DIRECTIVE, FOLD_MD_MARKER  # noqa: E402  (the fold markers build_docs reads)

CHECK_CALL = re.compile(r"^(test_\w+|assert_\w+)$")
FOLD_LINE = f"#| {FOLD_DIRECTIVE}"  # a code cell's fold directive line
SKIP = ("#| hide", FOLD_LINE, "#| echo: false", "#| exports", "#| default_exp", "#| include: false", "#| eval: false")


def _is_check(node: ast.stmt) -> bool:
    "A statement that only checks: an assert, or a call (possibly in a loop/with/if) of test_*/assert_*/.assert_ok()"
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        f = node.value.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return bool(CHECK_CALL.match(name))
    if isinstance(node, (ast.For, ast.With, ast.If)) and not getattr(node, "orelse", None):
        return all(_is_check(n) for n in node.body)
    return False


def _names_stored(node: ast.stmt) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _names_loaded(node: ast.stmt) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _opts(src: str) -> tuple[list[str], list[str]]:
    lines = src.splitlines()
    k = 0
    while k < len(lines) and lines[k].startswith("#|"):
        k += 1
    return lines[:k], lines[k:]


def _code(src: str, outputs=None) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": outputs or [],
            "source": src.splitlines(True)}


def split_cell(src: str):
    "(demonstration, checks) sources, or None when the cell is all one kind or cannot be split safely"
    opts, body = _opts(src)
    code = "\n".join(body)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if not tree.body:
        return None
    kinds = [_is_check(n) for n in tree.body]
    if all(kinds):
        return "all"
    if not any(kinds):
        return None
    lines = code.splitlines()
    # comment lines above a statement belong to it
    chunks = []
    for i, n in enumerate(tree.body):
        lo = min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) - 1
        while lo > 0 and lines[lo - 1].lstrip().startswith("#") and (i == 0 or lo - 1 >= tree.body[i - 1].end_lineno):
            lo -= 1
        hi = n.end_lineno
        chunks.append((lo, hi))
    # a statement on the same line as another (`a; b`) cannot be split
    if any(tree.body[i].end_lineno >= tree.body[i + 1].lineno for i in range(len(tree.body) - 1)):
        return None
    stored_by_checks = set().union(*(_names_stored(n) for n, k in zip(tree.body, kinds) if k))
    loaded_by_demo = set().union(*(_names_loaded(n) for n, k in zip(tree.body, kinds) if not k))
    if stored_by_checks & loaded_by_demo:
        return None
    for i, (n, k) in enumerate(zip(tree.body, kinds)):  # a check must see the values it saw: no later demo line rebinds them
        later = set().union(*(_names_stored(m) for m, km in zip(tree.body[i + 1:], kinds[i + 1:]) if not km))
        if k and _names_loaded(n) & later:
            return None
    demo = [l for (lo, hi), k in zip(chunks, kinds) if not k for l in lines[lo:hi]]
    checks = [l for (lo, hi), k in zip(chunks, kinds) if k for l in lines[lo:hi]]
    return "\n".join(opts + demo) + "\n", "\n".join([FOLD_LINE] + checks) + "\n"


def _imports_only(src: str) -> bool:
    _, body = _opts(src)
    try:
        tree = ast.parse("\n".join(body))
    except SyntaxError:
        return False
    return bool(tree.body) and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body)


def _defines(src: str) -> set:
    try:
        tree = ast.parse("\n".join(_opts(src)[1]))
    except SyntaxError:
        return set()
    out = set()
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
            out.add(n.name)
        out |= _names_stored(n) if isinstance(n, ast.Assign) else set()
    return out


def restructure(nb: dict, keep: set) -> list[str]:
    changes, cells = [], []
    for c in nb["cells"]:
        src = "".join(c["source"])
        if c["cell_type"] != "code" or any(l.startswith(SKIP) for l in _opts(src)[0]):
            cells.append(c)
            continue
        first = _opts(src)[0]
        if _imports_only(src):
            c["source"] = ("#| hide\n" + src).splitlines(True)
            changes.append(f"hide imports: {src.strip()[:60]!r}")
            cells.append(c)
            continue
        if any(l.startswith("#| export") for l in first):
            if not (_defines(src) & keep):
                c["source"] = (FOLD_LINE + "\n" + src).splitlines(True)
                changes.append(f"fold export: {sorted(_defines(src))[:4]}")
            cells.append(c)
            continue
        parts = split_cell(src)
        if parts == "all":
            c["source"] = (FOLD_LINE + "\n" + src).splitlines(True)
            changes.append(f"fold checks: {src.strip()[:60]!r}")
            cells.append(c)
        elif parts:
            demo, checks = parts
            c["source"] = demo.splitlines(True)
            cells.append(c)
            cells.append(_code(checks))
            changes.append(f"split: {src.strip()[:60]!r}")
        elif re.search(r"\b(test_\w+\(|assert\b|\.assert_\w+\()", src):  # checks that cannot be split off: fold all
            c["source"] = (FOLD_LINE + "\n" + src).splitlines(True)
            changes.append(f"fold unsplittable: {src.strip()[:60]!r}")
            cells.append(c)
        else:
            cells.append(c)
    # markdown that only introduces folded checks
    folded = lambda c: c["cell_type"] == "code" and "".join(c["source"]).startswith(FOLD_LINE)
    for i, c in enumerate(cells):
        if c["cell_type"] != "markdown":
            continue
        src = "".join(c["source"])
        if src.startswith(FOLD_MD_MARKER) or src.lstrip().startswith("#") or not src.rstrip().endswith(":"):
            continue
        nxt = []
        for d in cells[i + 1:]:
            if d["cell_type"] == "markdown":
                break
            nxt.append(d)
        if nxt and all(folded(d) for d in nxt) and len(src) < 600:
            c["source"] = (FOLD_MD_MARKER + "\n" + src).splitlines(True)
            changes.append(f"fold prose: {src.strip()[:60]!r}")
    nb["cells"] = cells
    return changes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--keep", default="", help="comma-separated names whose #| export cells stay visible")
    p.add_argument("--dry-run", action="store_true")
    a = p.parse_args()
    keep = set(filter(None, a.keep.split(",")))
    for f in a.notebooks:
        nb = json.loads(Path(f).read_text(encoding="utf-8"))
        changes = restructure(nb, keep)
        print(f"{f}: {len(changes)} change(s)")
        for ch in changes:
            print("   ", ch)
        if not a.dry_run:
            Path(f).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
