"""The fused path of an earlier commit against today's, from one run: the earlier `gru_bptt/fused.py` (read from git)
and today's default call, with the compiled loops (if the `fast` extra is installed) and with the NumPy loops, and with
a workspace, timed in the same interleaved rounds as nn.GRU, JAX jit and the floors, one thread for every library
(`limit_threads`), float32, on the benchmark's five sizes.

    python tools/fused_then_and_now.py --then <commit> [--repeats 5] [--clock wall|cpu] [--out nbs/bench_results/fused_then_and_now.csv]

All are called as `fused_loss_and_grads(X, Y, params, c0)` (the workspace one with `workspace=`), without
`loss_and_grads`' checks, so they compare like with like. Ratios are per row: `<path>/<peer>`.
"""
import argparse, csv, importlib.util, statistics, subprocess, sys, tempfile
from pathlib import Path

def load_then(root: Path, rev: str):
    "gru_bptt/fused.py at commit `rev`, imported under another name"
    src = subprocess.run(['git', '-C', str(root), 'show', f'{rev}:gru_bptt/fused.py'], capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / 'fused_then.py'
    path.write_text(src.replace('from .forward import', 'from gru_bptt.forward import'))
    spec = importlib.util.spec_from_file_location('fused_then', path)
    mod = importlib.util.module_from_spec(spec); sys.modules['fused_then'] = mod   # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--then', required=True, help='the commit whose fused path to compare with today\'s')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--clock', default='wall', help="'wall' or 'cpu' (this process's CPU time: on a machine other processes share)")
    ap.add_argument('--out', default='nbs/bench_results/fused_then_and_now.csv')
    a = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    from gru_bptt import fused as F
    from gru_bptt.bench import SIZES, PATH_SETUPS, PeerMissing, limit_threads, make_problem, time_paths
    then = load_then(root, a.then)
    def numpy_loops(X, Y, p, c0):
        with F.fast_loops(False): return F.fused_loss_and_grads(X, Y, p, c0)
    rows, fused_paths = [], ('then', 'now', 'now NumPy loops', 'now workspace')
    with limit_threads(1):
        print('compiled loops:', 'yes' if F._fast() is not None else 'no (NumPy loops only)')
        if F._fast() is not None: print('compile or load, s:', F._fast().compile_kernels())
        for size in SIZES:
            X, Y, p, c0 = make_problem(*size, 'float32')
            ws = F.FusedWorkspace()
            runs = {'then': lambda: then.fused_loss_and_grads(X, Y, p, c0), 'now': lambda: F.fused_loss_and_grads(X, Y, p, c0),
                    'now NumPy loops': lambda: numpy_loops(X, Y, p, c0),
                    'now workspace': lambda: F.fused_loss_and_grads(X, Y, p, c0, workspace=ws)}
            for name in ('nn.GRU', 'JAX jit', 'floor', 'floor torch', 'floor XLA'):
                try: runs[name] = PATH_SETUPS[name](X, Y, p, c0)
                except PeerMissing as e: print(f'{name}: missing ({e})')
            for f in runs.values(): f()
            cores = {}; times = time_paths(runs, a.repeats, a.clock, cores=cores)
            row = dict(zip(('m', 'T', 'n_x', 'n_a'), size))
            for n, t in times.items(): row[f'{n} ms'] = min(t) * 1e3; row[f'{n} median ms'] = statistics.median(t) * 1e3; row[f'{n} cores'] = cores[n]
            for fused in fused_paths:
                for peer in ('nn.GRU', 'JAX jit', 'floor'):
                    if f'{peer} ms' in row: row[f'{fused}/{peer}'] = row[f'{fused} ms'] / row[f'{peer} ms']
            rows.append(row)
            print(size, '  '.join(f'{k} {v:.2f}' for k, v in row.items() if '/' in k), flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)
    print(f'saved {a.out}')

if __name__ == '__main__': main()
