#!/usr/bin/env python3
"""Write nbs/data/keras_gru_golden.npz: weights, inputs, outputs and gradients of keras.layers.GRU, float64.

Run by hand, in a separate environment (CI and the package never import Keras):

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras jax jaxlib numpy
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/make_keras_golden.py

Keras 3 with the JAX backend on CPU, float64 throughout. Keras 3.15's default `tanh` on the JAX backend runs in float32
even for float64 inputs, so the layer is built with `jax.numpy.tanh` and `jax.nn.sigmoid` (the same functions as the
defaults, in float64). For each setting (prefix `after_` for reset_after=True, `before_` for reset_after=False) the
file holds: kernel (n_x, 3H), recurrent_kernel (H, 3H), bias ((2, 3H) or (3H,)), inputs x (m, T, n_x), initial state
h0 (m, H), labels y (m, T), the outputs out (m, T, H) (return_sequences), the loss J = (1/m) Σ_examples Σ_t
−log softmax(h⟨t⟩)[y] and its gradients d_kernel, d_recurrent_kernel, d_bias, d_x, d_h0 from jax.grad. `after_masked_`
repeats reset_after=True with a boolean mask (m, T) (True = a real step), the loss summed over real steps only.
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
out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'nbs', 'data', 'keras_gru_golden.npz')

def golden(reset_after, seed, mask=None):
    rng = np.random.default_rng(seed)
    layer = keras.layers.GRU(H, activation=jnp.tanh, recurrent_activation=jax.nn.sigmoid, reset_after=reset_after,
                             return_sequences=True, dtype='float64')
    layer.build((m, T, n_x))
    k = 1 / np.sqrt(H)
    weights = [rng.uniform(-k, k, w.shape) for w in layer.get_weights()]   # kernel, recurrent_kernel, bias
    layer.set_weights(weights)
    x, h0, y = rng.standard_normal((m, T, n_x)), rng.uniform(-1, 1, (m, H)), rng.integers(0, H, (m, T))
    valid = np.ones((m, T), bool) if mask is None else mask

    def loss(ws, x, h0):
        out, _ = layer.stateless_call(ws, ntv, x, initial_state=[h0], **({} if mask is None else {'mask': jnp.asarray(mask)}))
        logp = jax.nn.log_softmax(out, axis=-1)
        picked = jnp.take_along_axis(logp, jnp.asarray(y)[..., None], axis=-1)[..., 0]
        return -(jnp.where(valid, picked, 0.)).sum() / m, out

    assert [v.path.split('/')[-1] for v in layer.trainable_variables] == ['kernel', 'recurrent_kernel', 'bias']
    ntv = [v.value for v in layer.non_trainable_variables]   # the dropout seed state
    ws = [jnp.asarray(w) for w in weights]
    (J, out), (dws, dx, dh0) = jax.value_and_grad(loss, argnums=(0, 1, 2), has_aux=True)(ws, jnp.asarray(x), jnp.asarray(h0))
    assert out.dtype == jnp.float64
    d = dict(kernel=weights[0], recurrent_kernel=weights[1], bias=weights[2], x=x, h0=h0, y=y, out=np.asarray(out),
             loss=np.float64(J), d_kernel=np.asarray(dws[0]), d_recurrent_kernel=np.asarray(dws[1]),
             d_bias=np.asarray(dws[2]), d_x=np.asarray(dx), d_h0=np.asarray(dh0))
    if mask is not None: d['mask'] = mask
    return d

data = {}
for prefix, ra, seed, mask in (('after_', True, 1, None), ('before_', False, 2, None),
                               ('after_masked_', True, 3, np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [0, 1, 0, 1, 1]], bool))):
    data.update({prefix + k: v for k, v in golden(ra, seed, mask).items()})
data['versions'] = np.array(f'keras {keras.__version__}, jax {jax.__version__}, numpy {np.__version__}')
os.makedirs(os.path.dirname(out_path), exist_ok=True)
np.savez(out_path, **data)
print(f'wrote {os.path.normpath(out_path)}: {len(data)} arrays ({data["versions"]})')
