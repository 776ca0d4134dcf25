"""Two checks of the fused path's default call (no workspace), float32, one thread, saved for the bench page:

- `spread.csv`: five default calls at the largest size, each followed by a call in a kept `FusedWorkspace`, timed on
  the chosen clock: whether the default call's time depends on the allocator (it should not: it keeps its buffers);
- `memory.csv`: the peak memory of one cold default call (its kept buffers released first, so it allocates them),
  with the compiled loops and with the NumPy loops, against the reference path, at every size of the grid.

    python tools/default_call_checks.py [--clock cpu|wall] [--out nbs/bench_results]
"""
import argparse, csv
from pathlib import Path
from gru_bptt.bench import SIZES, CLOCKS, make_problem, limit_threads, peak_memory_mb
from gru_bptt.fused import FusedWorkspace, clear_fused_cache, fused_loss_and_grads, fast_loops
from gru_bptt.bptt import loss_and_grads

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clock', default='cpu', choices=sorted(CLOCKS))
    ap.add_argument('--out', default='nbs/bench_results')
    a = ap.parse_args()
    out, now = Path(a.out), CLOCKS[a.clock]
    out.mkdir(parents=True, exist_ok=True)
    with limit_threads(1):
        X, Y, p, c0 = make_problem(*SIZES[3], 'float32')
        ws = FusedWorkspace()
        fused_loss_and_grads(X, Y, p, c0); fused_loss_and_grads(X, Y, p, c0, workspace=ws)   # warm both
        rows = []
        for k in range(5):
            t = now(); loss_and_grads(X, Y, p, c0, 'fused'); d = now() - t
            t = now(); loss_and_grads(X, Y, p, c0, 'fused', workspace=ws); w = now() - t
            rows.append((k + 1, round(d * 1e3, 1), round(w * 1e3, 1)))
        with open(out / 'spread.csv', 'w', newline='') as f:
            csv.writer(f).writerows([('call', 'default ms', 'workspace ms'), *rows])
        d = [r[1] for r in rows]
        print('default call, ms:', d, f'max/min {max(d) / min(d):.3f}', '| workspace:', [r[2] for r in rows])
        mem = []
        for s in SIZES:
            X, Y, p, c0 = make_problem(*s, 'float32')
            def cold(on):
                def run():
                    clear_fused_cache()
                    with fast_loops(on): loss_and_grads(X, Y, p, c0, 'fused')
                return run
            mem.append((*s, peak_memory_mb('fused', cold(True)), peak_memory_mb('fused', cold(False)),
                        peak_memory_mb('reference', lambda: loss_and_grads(X, Y, p, c0, 'reference'))))
            clear_fused_cache()
        with open(out / 'memory.csv', 'w', newline='') as f:
            csv.writer(f).writerows([('m', 'T', 'n_x', 'n_a', 'fused MB', 'fused NumPy loops MB', 'reference MB'), *mem])
        for r in mem: print('x'.join(map(str, r[:4])), 'MB: compiled %.1f, NumPy loops %.1f, reference %.1f' % r[4:])
    print(f'saved {out / "spread.csv"}, {out / "memory.csv"}')

if __name__ == '__main__': main()
