"""Run the learner's copies of the learner pages top to bottom, as a learner would after `pip install gru_bptt`.

    python tools/check_learner_nbs.py                        # every docs/nbs/*.ipynb
    python tools/check_learner_nbs.py docs/nbs/d_c.ipynb     # only these
    python tools/check_learner_nbs.py --flags slow           # run the cells tagged slow too

tools/build_docs.py writes the copies (docs/nbs/<page>.ipynb: directives and folded cells removed, `#| hide` imports
kept). Each copy runs in its own Python process, in a fresh temporary folder outside the repository, so that a path
into the repository fails; the cells run one by one with execnb (as nbdev_test runs notebooks). The package must be
importable there: installed (`pip install gru_bptt`, or `pip install -e .` as CI does), or on PYTHONPATH. Cells tagged
with a test flag of settings.ini (`slow`) are skipped, as nbdev_test skips them, unless --flags names it.

A copy also fails, before it runs, on a `#|` directive line, an nbdev import (nbdev is not installed with the
package) or the repository's own path in a cell. A failure names the notebook and the cell (its number among the
copy's cells, and its first line). Exit 0 when every copy ran, 1 when one failed, 2 when there is no copy to run.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from learner_pages import LEARNER_NB_DIR  # noqa: E402


def _first_line(src: str) -> str:
    line = next((ln for ln in src.splitlines() if ln.strip()), "")
    return line if len(line) <= 70 else line[:69] + "…"


def static_problems(nb: dict) -> list[str]:
    "What a learner's copy may not hold: directive lines, nbdev imports, the repository's path."
    out = []
    for i, c in enumerate(nb.get("cells", [])):
        if c.get("cell_type") != "code":
            continue
        src = "".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", ""))
        where = f"cell {i} ({_first_line(src)!r})"
        if re.search(r"^\s*#\|", src, re.MULTILINE):
            out.append(f"{where}: a `#|` directive line")
        if re.search(r"^\s*(from|import)\s+nbdev\b", src, re.MULTILINE):
            out.append(f"{where}: imports nbdev, which `pip install gru_bptt` does not install")
        if str(ROOT) in src:
            out.append(f"{where}: names the repository's folder {ROOT}")
    return out


def run_one(path: Path, skip: set[str]) -> tuple[bool, str]:
    "Run the copy's code cells in order in this process (its working folder is the caller's); stop at the first error."
    os.environ.setdefault("MPLBACKEND", "Agg")
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell

    nb = read_nb(path)
    shell = CaptureShell()
    ran = skipped = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if set(cell.metadata.get("tags", [])) & skip:
            skipped += 1
            continue
        shell.cell(cell)
        ran += 1
        if shell.exc:
            exc = shell.exc
            return False, (f"cell {i} ({_first_line(cell.source)!r}) raised {type(exc).__name__}: "
                           f"{str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}")
    return True, f"{ran} code cell(s) ran" + (f", {skipped} skipped ({', '.join(sorted(skip))})" if skipped else "")


def in_subprocess(path: Path, skip: set[str], timeout: int) -> tuple[Path, bool, str, float]:
    "One copy in a fresh interpreter, in a temporary folder outside the repository."
    import json

    t0 = time.monotonic()
    problems = static_problems(json.loads(path.read_text(encoding="utf-8")))
    if problems:
        return path, False, "; ".join(problems), 0.0
    with tempfile.TemporaryDirectory(prefix="gru_bptt_learner_") as tmp:
        if Path(tmp).resolve().is_relative_to(ROOT):
            raise SystemExit("check_learner_nbs: the temporary folder is inside the repository; set TMPDIR")
        env = dict(os.environ, MPLBACKEND="Agg")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(path.resolve()), "--skip", ",".join(sorted(skip))]
        try:
            r = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return path, False, f"did not finish in {timeout} s", time.monotonic() - t0
    lines = (r.stdout.strip().splitlines() or [""])
    msg = lines[-1] if r.returncode in (0, 1) else (r.stdout + r.stderr).strip()[-500:]
    return path, r.returncode == 0, msg, time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help=f"notebooks (default: docs/{LEARNER_NB_DIR}/*.ipynb)")
    ap.add_argument("--flags", default="", help="test flags whose cells run too (default: none, as nbdev_test)")
    ap.add_argument("--workers", type=int, default=2, help="copies run at once (default 2)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds for one copy (default 900)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--skip", default="", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        try:
            ok, msg = run_one(Path(a.one), set(filter(None, a.skip.split(","))))
        except Exception as e:  # the notebook does not read
            ok, msg = False, f"{type(e).__name__}: {e}"
        print(msg)
        return 0 if ok else 1
    from configparser import ConfigParser

    cfg = ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini")
    skip = set(cfg["DEFAULT"].get("tst_flags", "").split()) - set(a.flags.split())
    paths = [Path(p) for p in a.paths] or sorted((ROOT / "docs" / LEARNER_NB_DIR).glob("*.ipynb"))
    if not paths:
        print(f"check_learner_nbs: no notebook in docs/{LEARNER_NB_DIR}/: run python tools/build_docs.py first", file=sys.stderr)
        return 2
    t0, failed = time.monotonic(), 0
    with ThreadPoolExecutor(max(1, a.workers)) as ex:
        for path, ok, msg, dt in ex.map(lambda p: in_subprocess(p, skip, a.timeout), paths):
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {path.name}: {msg} ({dt:.1f}s)", flush=True)
    print(f"check_learner_nbs: {len(paths) - failed} of {len(paths)} learner notebook(s) ran top to bottom "
          f"in {time.monotonic() - t0:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
