#!/usr/bin/env python3
"""Write nbs/data/keras_stack_golden.npz: stacked, bidirectional, go_backwards and last-state Keras GRUs, float64.

Run by hand, in a separate environment (CI and the package never import Keras):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras jax jaxlib numpy
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/make_keras_stack_golden.py

Keras 3 with the JAX backend on CPU, float64 (activations `jax.numpy.tanh` and `jax.nn.sigmoid`, as in
`make_keras_golden.py`, because Keras's default `tanh` runs in float32 on JAX). Each configuration is a chain of
layers applied one after the other with `stateless_call`; the prefix of its arrays is its name:

- `stacked_after_`, `stacked_before_`: GRU(4, return_sequences=True) -> GRU(5, return_sequences=True), reset_after
  True / False.
- `bidi_concat_`: Bidirectional(GRU(4, return_sequences=True), merge_mode='concat') (output (m, T, 8)).
- `bidi_sum_`: the same with merge_mode='sum' (output (m, T, 4)).
- `bidi_masked_`: `bidi_concat_` with a prefix mask (True = a real step), the loss over real steps only.
- `backwards_`: GRU(4, return_sequences=True, go_backwards=True).
- `backwards_masked_`: the same with a prefix mask `mask`; Keras returns the outputs in reversed order, so the loss counts
  the output steps of `loss_mask` = the mask reversed in time.
- `last_`: GRU(4, return_sequences=True) -> GRU(5, return_sequences=False): the top layer returns its last state only.
- `bidi_stacked_masked_`: Bidirectional(GRU(4)) -> Bidirectional(GRU(3)), concat, a prefix mask.
- `bidi_sum_stacked_`: Bidirectional(GRU(4)) -> Bidirectional(GRU(3)), both merge_mode='sum'.
- `bidi_last_`, `bidi_sum_last_`: Bidirectional(GRU(4, return_sequences=False)), merge_mode 'concat' / 'sum' (output
  (m, 8) / (m, 4)).

Every Bidirectional is built with an explicit `backward_layer` (GRU(..., go_backwards=True)). Per configuration: the
layers' weights as `l{l}_w{i}` in `get_weights()` order (a Bidirectional: forward kernel, recurrent_kernel, bias, then
the backward layer's), `n_layers`, inputs `x` (m, T, n_x), initial states `l{l}_h0_{j}` (m, H) (one per layer, two for a
Bidirectional: forward, backward), labels `y` ((m, T), or (m,) for the last-state ones), the output `out`, the loss
J = (1/m) Σ_examples Σ_t −log softmax(out⟨t⟩)[y] (the output is the logits; for the `last` ones one term per example) and its
gradients `d_l{l}_w{i}`, `d_x`, `d_l{l}_h0_{j}` from jax.grad.
"""
import os
os.environ.setdefault('KERAS_BACKEND', 'jax')
import jax
jax.config.update('jax_enable_x64', True)
jax.config.update('jax_platform_name', 'cpu')
import jax.numpy as jnp
import numpy as np
import keras

keras.config.set_floatx('float64')
assert keras.backend.backend() == 'jax', 'run with KERAS_BACKEND=jax'
n_x, m, T = 3, 3, 6
out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nbs', 'data', 'keras_stack_golden.npz')

@keras.saving.register_keras_serializable(package='golden')
def tanh64(x): return jnp.tanh(x)                # registered: Bidirectional re-creates its forward layer from its config

@keras.saving.register_keras_serializable(package='golden')
def sigmoid64(x): return jax.nn.sigmoid(x)

def gru(H, reset_after=True, return_sequences=True, go_backwards=False):
    return keras.layers.GRU(H, activation=tanh64, recurrent_activation=sigmoid64, reset_after=reset_after,
                            return_sequences=return_sequences, go_backwards=go_backwards, dtype='float64')

def bidi(H, merge_mode, return_sequences=True):
    return keras.layers.Bidirectional(gru(H, return_sequences=return_sequences), merge_mode=merge_mode, dtype='float64',
                                      backward_layer=gru(H, return_sequences=return_sequences, go_backwards=True))

def golden(layers, seed, n_states, mask=None, last=False, loss_mask=None):
    "layers: built in a chain on (m, T, n_x); n_states: initial states per layer (1 or 2); loss_mask: the output steps that count (default mask)"
    rng = np.random.default_rng(seed)
    shape, weights = (m, T, n_x), []
    for layer in layers:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
        shape = shape[0] if isinstance(shape, list) else shape
        ws = [rng.uniform(-0.5, 0.5, w.shape) for w in layer.get_weights()]
        layer.set_weights(ws); weights.append(ws)
        assert [v.path.split('/')[-1] for v in layer.trainable_variables] == ['kernel', 'recurrent_kernel', 'bias'] * (len(ws) // 3)
    units = [l.units if hasattr(l, 'units') else l.forward_layer.units for l in layers]
    x = rng.standard_normal((m, T, n_x))
    h0 = [[rng.uniform(-1, 1, (m, H)) for _ in range(k)] for H, k in zip(units, n_states)]
    n_out = shape[-1]
    y = rng.integers(0, n_out, (m,) if last else (m, T))
    valid = np.ones(y.shape, bool) if mask is None else mask if loss_mask is None else loss_mask
    ntv = [[v.value for v in layer.non_trainable_variables] for layer in layers]
    kw = {} if mask is None else {'mask': jnp.asarray(mask)}

    def loss(ws, x, h0):
        out = x
        for layer, w, nt, h in zip(layers, ws, ntv, h0):
            out, _ = layer.stateless_call(w, nt, out, initial_state=list(h), **kw)
        logp = jax.nn.log_softmax(out, axis=-1)
        picked = jnp.take_along_axis(logp, jnp.asarray(y)[..., None], axis=-1)[..., 0]
        return -(jnp.where(valid, picked, 0.)).sum() / m, out

    ws = [[jnp.asarray(w) for w in l] for l in weights]
    (J, out), (dws, dx, dh0) = jax.value_and_grad(loss, argnums=(0, 1, 2), has_aux=True)(ws, jnp.asarray(x), [[jnp.asarray(h) for h in hs] for hs in h0])
    assert out.dtype == jnp.float64
    d = dict(n_layers=np.int64(len(layers)), x=x, y=y, out=np.asarray(out), loss=np.float64(J), d_x=np.asarray(dx))
    for l in range(len(layers)):
        for i, w in enumerate(weights[l]): d[f'l{l}_w{i}'], d[f'd_l{l}_w{i}'] = w, np.asarray(dws[l][i])
        for j, h in enumerate(h0[l]): d[f'l{l}_h0_{j}'], d[f'd_l{l}_h0_{j}'] = h, np.asarray(dh0[l][j])
    if mask is not None: d['mask'] = mask
    if loss_mask is not None: d['loss_mask'] = loss_mask
    return d

configs = {
    'stacked_after': ([gru(4), gru(5)], 11, [1, 1], None, False),
    'stacked_before': ([gru(4, reset_after=False), gru(5, reset_after=False)], 12, [1, 1], None, False),
    'bidi_concat': ([bidi(4, 'concat')], 13, [2], None, False),
    'bidi_sum': ([bidi(4, 'sum')], 14, [2], None, False),
    'bidi_masked': ([bidi(4, 'concat')], 15, [2], np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]], bool), False),
    'backwards': ([gru(4, go_backwards=True)], 16, [1], None, False),
    'last': ([gru(4), gru(5, return_sequences=False)], 17, [1, 1], None, True),
    'bidi_last': ([bidi(4, 'concat', return_sequences=False)], 18, [2], None, True),
    'bidi_sum_last': ([bidi(4, 'sum', return_sequences=False)], 19, [2], None, True),
    'bidi_stacked_masked': ([bidi(4, 'concat'), bidi(3, 'concat')], 21, [2, 2], np.array([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0]], bool), False),
    'bidi_sum_stacked': ([bidi(4, 'sum'), bidi(3, 'sum')], 22, [2, 2], None, False),
}
data = {}
for name, (layers, seed, n_states, mask, last) in configs.items():
    data.update({f'{name}_{k}': v for k, v in golden(layers, seed, n_states, mask, last).items()})
prefix = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]], bool)
data.update({f'backwards_masked_{k}': v for k, v in golden([gru(4, go_backwards=True)], 20, [1], prefix, loss_mask=prefix[:, ::-1]).items()})
configs['backwards_masked'] = None
data['configs'] = np.array(list(configs))
data['versions'] = np.array(f'keras {keras.__version__}, jax {jax.__version__}, numpy {np.__version__}')
os.makedirs(os.path.dirname(out_path), exist_ok=True)
np.savez(out_path, **data)
print(f'wrote {os.path.normpath(out_path)}: {len(data)} arrays ({data["versions"]})')
