#!/usr/bin/env python3
"""Write nbs/data/keras_lstm_golden.npz: weights, inputs, outputs and gradients of keras.layers.LSTM, float64.

Run by hand, in a separate environment (CI and the package never import Keras):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras "jax[cpu]" numpy
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/make_keras_lstm_golden.py

Keras 3 with the JAX backend on CPU, float64 throughout; the layer is built with `jax.numpy.tanh` and
`jax.nn.sigmoid` (Keras 3.15's default tanh runs in float32 on JAX, as tools/make_keras_golden.py notes). For each
setting (prefix `plain_`, `masked_`) the file holds: kernel (n_x, 4H), recurrent_kernel (H, 4H), bias (4H,) (gate
blocks i | f | c | o), inputs x (m, T, n_x), initial states h0 and c0 (m, H), labels y (m, T), the outputs out
(m, T, H) (return_sequences), the loss J = (1/m) Σ_examples Σ_t −log softmax(h⟨t⟩)[y] (over real steps with a mask)
and its gradients d_kernel, d_recurrent_kernel, d_bias, d_x, d_h0, d_c0 from jax.grad.
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
n_x, H, m, T = 3, 4, 3, 5
out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nbs', 'data', 'keras_lstm_golden.npz')

def golden(seed, mask=None):
    rng = np.random.default_rng(seed)
    layer = keras.layers.LSTM(H, activation=jnp.tanh, recurrent_activation=jax.nn.sigmoid, return_sequences=True,
                              dtype='float64')
    layer.build((m, T, n_x))
    weights = [rng.uniform(-0.7, 0.7, w.shape) for w in layer.get_weights()]   # kernel, recurrent_kernel, bias
    layer.set_weights(weights)
    x, y = rng.standard_normal((m, T, n_x)), rng.integers(0, H, (m, T))
    h0, c0 = rng.uniform(-1, 1, (m, H)), rng.uniform(-1, 1, (m, H))
    valid = np.ones((m, T), bool) if mask is None else mask
    ntv = [v.value for v in layer.non_trainable_variables]

    def loss(ws, x, h0, c0):
        out = layer.stateless_call(ws, ntv, x, initial_state=[h0, c0], **({} if mask is None else {'mask': jnp.asarray(mask)}))[0]
        logp = jax.nn.log_softmax(out, axis=-1)
        picked = jnp.take_along_axis(logp, jnp.asarray(y)[..., None], axis=-1)[..., 0]
        return -(jnp.where(valid, picked, 0.)).sum() / m, out

    assert [v.path.split('/')[-1] for v in layer.trainable_variables] == ['kernel', 'recurrent_kernel', 'bias']
    ws = [jnp.asarray(w) for w in weights]
    (J, out), (dws, dx, dh0, dc0) = jax.value_and_grad(loss, argnums=(0, 1, 2, 3), has_aux=True)(
        ws, jnp.asarray(x), jnp.asarray(h0), jnp.asarray(c0))
    assert out.dtype == jnp.float64
    d = dict(kernel=weights[0], recurrent_kernel=weights[1], bias=weights[2], x=x, h0=h0, c0=c0, y=y, out=np.asarray(out),
             loss=np.float64(J), d_kernel=np.asarray(dws[0]), d_recurrent_kernel=np.asarray(dws[1]),
             d_bias=np.asarray(dws[2]), d_x=np.asarray(dx), d_h0=np.asarray(dh0), d_c0=np.asarray(dc0))
    if mask is not None: d['mask'] = mask
    return d

data = {}
for prefix, seed, mask in (('plain_', 1, None), ('masked_', 2, np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]], bool))):
    data.update({prefix + k: v for k, v in golden(seed, mask).items()})
data['versions'] = np.array(f'keras {keras.__version__}, jax {jax.__version__}, numpy {np.__version__}')
os.makedirs(os.path.dirname(out_path), exist_ok=True)
np.savez(out_path, **data)
print(f'wrote {os.path.normpath(out_path)}: {len(data)} arrays ({data["versions"]})')
