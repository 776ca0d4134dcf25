"""Execute the notebooks in place so their outputs (the numbers that prove each formula, the figures) are saved
and shown on the docs site. Usage: `python tools/run_nbs.py [nbs/NAME.ipynb ...]` (default: every notebook).

nbdev's docs processing does not execute notebooks, so the site shows what the committed notebooks hold. Run this
after changing a notebook, then `nbdev_clean`, `nbdev_export` and `python tools/build_docs.py`. Cells flagged with a
test flag (`#| slow`) are skipped, as `nbdev_test` skips them, unless `--flags slow` is given."""
import argparse, os, sys, time
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _skip_flags(flags):
    "A preproc that skips cells carrying a test flag that was not asked for (as nbdev_test does)"
    from configparser import ConfigParser
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    all_flags = set(cfg['DEFAULT'].get('tst_flags', '').split())
    skip = all_flags - set(flags)
    def preproc(cell):
        src = cell.source if isinstance(cell.source, str) else ''.join(cell.source)
        directives = {l[3:].strip().split()[0] for l in src.splitlines() if l.startswith('#| ') and l[3:].strip()}
        return bool(directives & skip) or 'eval: false' in src
    return preproc

def run_one(path, flags=()):
    os.environ.setdefault('MPLBACKEND', 'Agg')
    from execnb.shell import CaptureShell
    start = time.time()
    shell = CaptureShell()
    shell.execute(path, path, exc_stop=True, preproc=_skip_flags(flags))
    if shell.exc: return path, False, shell.prettytb(path)
    return path, True, f'{time.time() - start:.1f}s'

def _in_subprocess(path, flags):
    "Each notebook in its own interpreter: IPython's shell takes over `__main__`, so processes are not reused"
    r = subprocess.run([sys.executable, __file__, '--one', str(path), '--flags', ' '.join(flags)],
                       capture_output=True, text=True, cwd=ROOT)
    return path, r.returncode == 0, (r.stdout.strip().splitlines() or [''])[-1] if r.returncode == 0 else r.stdout + r.stderr

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--one', help=argparse.SUPPRESS)
    ap.add_argument('paths', nargs='*', help='notebooks (default: nbs/*.ipynb)')
    ap.add_argument('--flags', default='', help='test flags to run, e.g. "slow"')
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    if a.one:
        path, ok, msg = run_one(Path(a.one), a.flags.split())
        print(msg); sys.exit(0 if ok else 1)
    paths = [Path(p).resolve() for p in a.paths] or sorted(p for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    failed = 0
    with ThreadPoolExecutor(a.workers) as ex:
        for path, ok, msg in ex.map(_in_subprocess, paths, [a.flags.split()] * len(paths)):
            print(f"{'ok  ' if ok else 'FAIL'} {path.name} {msg if ok else ''}")
            if not ok: failed += 1; print(msg, file=sys.stderr)
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
