"""Issue 16's table, before and after, from one run: the fused path as it was before the issue (read from git) and as
it is now, timed in the same interleaved rounds as the peers, one thread for every library (`limit_threads`).

    python tools/before_after_16.py [--repeats 5] [--out nbs/bench_results/before_after_16.csv]

The "before" code is gru_bptt/fused.py at the parent of 15ee1fc, the first commit of the issue's speed work. Both
are called as `fused_loss_and_grads(X, Y, params, c0)`, without `loss_and_grads`' checks, so they compare like with like.
"""
import argparse, csv, importlib.util, statistics, subprocess, sys, tempfile
from pathlib import Path
import numpy as np

BEFORE = '15ee1fc^'

def load_before(root: Path):
    "The fused module of the commit before the speed work, imported under another name"
    src = subprocess.run(['git', '-C', str(root), 'show', f'{BEFORE}:gru_bptt/fused.py'], capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / 'fused_before.py'
    path.write_text(src.replace('from .forward import', 'from gru_bptt.forward import'))
    spec = importlib.util.spec_from_file_location('fused_before', path)
    mod = importlib.util.module_from_spec(spec); sys.modules['fused_before'] = mod   # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--out', default='nbs/bench_results/before_after_16.csv')
    a = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    from gru_bptt import fused as F
    from gru_bptt.bench import SIZES, PATH_SETUPS, PeerMissing, limit_threads, make_problem, time_paths
    before = load_before(root)
    rows = []
    with limit_threads(1):
        for size in SIZES:
            X, Y, p, c0 = make_problem(*size, 'float32')
            ws = F.FusedWorkspace()
            runs = {'before': lambda: before.fused_loss_and_grads(X, Y, p, c0), 'after': lambda: F.fused_loss_and_grads(X, Y, p, c0),
                    'after workspace': lambda: F.fused_loss_and_grads(X, Y, p, c0, workspace=ws)}
            for name in ('nn.GRU', 'JAX jit', 'floor', 'floor torch', 'floor XLA'):
                try: runs[name] = PATH_SETUPS[name](X, Y, p, c0)
                except PeerMissing as e: print(f'{name}: missing ({e})')
            for f in runs.values(): f()
            cores = {}; times = time_paths(runs, a.repeats, cores=cores)
            row = dict(zip(('m', 'T', 'n_x', 'n_a'), size))
            for n, t in times.items(): row[f'{n} ms'] = min(t) * 1e3; row[f'{n} median ms'] = statistics.median(t) * 1e3; row[f'{n} cores'] = cores[n]
            for fused in ('before', 'after', 'after workspace'):
                for peer in ('nn.GRU', 'JAX jit', 'floor'):
                    if f'{peer} ms' in row: row[f'{fused}/{peer}'] = row[f'{fused} ms'] / row[f'{peer} ms']
            rows.append(row)
            print(size, '  '.join(f'{k} {v:.2f}' for k, v in row.items() if '/' in k), flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)
    print(f'saved {a.out}')

if __name__ == '__main__': main()
