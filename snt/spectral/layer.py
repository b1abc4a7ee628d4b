r"""The feed-forward spectral layer: a transfer between two layers written through eigenvalues.

The transfer from a layer of :math:`n_\mathrm{in}` nodes to one of :math:`n_\mathrm{out}` nodes is the
off-diagonal block of the :math:`(n_\mathrm{in}+n_\mathrm{out})`-node matrix
:math:`A = \Phi\Lambda\Phi^{-1}` with :math:`\Phi = \begin{pmatrix} I & 0\\ \varphi^\top & I\end{pmatrix}` and
:math:`\Lambda = \mathrm{diag}(\lambda_\mathrm{in}, \lambda_\mathrm{out})` (docs/science/spectral.md (S1)):

.. math::

    W_{ji} = \varphi_{ji}\,(\lambda_{\mathrm{in},j} - m_i\,\lambda_{\mathrm{out},i}), \qquad
    a = \sigma(x W + m \circ b),

with :math:`j` an input node, :math:`i` an output node, items as rows of :math:`x` and a frozen node mask
:math:`m \in \{0, 1\}^{n_\mathrm{out}}` (1 = kept; a pruned node loses its eigenvalue and its bias, the
convention of the authors' pruning code). The same block is what :class:`snt.classify.SpectralCoupling`
computes for that :math:`\Phi` (a test checks it); the layer keeps only the closed form.

Reverse mode (docs/science/spectral.md (S2)): with :math:`G = \partial L/\partial W`,

.. math::

    \frac{\partial L}{\partial\varphi_{ji}} = G_{ji}(\lambda_{\mathrm{in},j} - m_i\lambda_{\mathrm{out},i}),\quad
    \frac{\partial L}{\partial\lambda_{\mathrm{in},j}} = \sum_i G_{ji}\varphi_{ji},\quad
    \frac{\partial L}{\partial\lambda_{\mathrm{out},i}} = -m_i\sum_j G_{ji}\varphi_{ji}.

Conventions of the authors' code (exact from it): the Keras layer stores :math:`\varphi` with shape
(n_in, n_out), initialises it Glorot-uniform and :math:`\lambda_\mathrm{in}` at 0 (pruning code, λ_out
trained from 1) or 1 (feature-relevance code, λ_out frozen at 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ACTIVATIONS", "SpectralLayer", "activate", "activation_grad", "glorot_uniform"]

#: transfer functions of a layer; "linear" for logits and regression outputs
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
#: names of the parameter arrays of a layer, in packing order
PARAMS = ("phi", "lam_in", "lam_out", "bias")


def activate(z, name):
    """σ(z) for ``name`` in ``ACTIVATIONS``."""
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 0.5 * (1 + np.tanh(0.5 * z))
    if name == "linear":
        return z
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


def activation_grad(z, a, name):
    """σ'(z), given ``a = σ(z)``."""
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "tanh":
        return 1 - a * a
    if name == "sigmoid":
        return a * (1 - a)
    return np.ones_like(z)


def glorot_uniform(rng, n_in, n_out):
    """Keras' GlorotUniform: U(−l, l), :math:`l = \\sqrt{6/(n_\\mathrm{in}+n_\\mathrm{out})}`."""
    lim = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-lim, lim, (n_in, n_out))


@dataclass
class SpectralLayer:
    r"""One spectral transfer (see the module docstring for the equations).

    Parameters
    ----------
    phi : (n_in, n_out) float array
        Eigenvector entries :math:`\varphi`.
    lam_in : (n_in,) float array
        Eigenvalues of the input nodes.
    lam_out : (n_out,) float array
        Eigenvalues of the output nodes.
    bias : (n_out,) float array or None
        Bias (None: no bias).
    activation : str
        One of ``ACTIVATIONS``.
    trainable : tuple of str
        Which of ``phi, lam_in, lam_out, bias`` are trained.
    l2 : dict
        Keras-style L2 factors per parameter name: ``l2[name] * sum(param**2)`` is added to the loss.
    mask : (n_out,) float array
        Node mask (1 kept, 0 pruned); default all ones.
    """

    phi: np.ndarray
    lam_in: np.ndarray
    lam_out: np.ndarray
    bias: np.ndarray | None = None
    activation: str = "relu"
    trainable: tuple = ("phi", "lam_in")
    l2: dict = field(default_factory=dict)
    mask: np.ndarray | None = None

    def __post_init__(self):
        n_in, n_out = self.phi.shape
        if self.lam_in.shape != (n_in,) or self.lam_out.shape != (n_out,):
            raise ValueError(f"lam_in {self.lam_in.shape} and lam_out {self.lam_out.shape} must match "
                             f"phi {self.phi.shape}")
        if self.bias is not None and self.bias.shape != (n_out,):
            raise ValueError(f"bias must have shape ({n_out},), got {self.bias.shape}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        bad = [t for t in self.trainable if t not in PARAMS or (t == "bias" and self.bias is None)]
        if bad:
            raise ValueError(f"trainable must name parameters the layer has ({PARAMS}), got {bad}")
        self.trainable = tuple(t for t in PARAMS if t in self.trainable)
        if self.mask is None:
            self.mask = np.ones(n_out)

    @property
    def shape(self):
        return self.phi.shape

    def copy(self):
        return SpectralLayer(self.phi.copy(), self.lam_in.copy(), self.lam_out.copy(),
                             None if self.bias is None else self.bias.copy(), self.activation,
                             self.trainable, dict(self.l2), self.mask.copy())

    def astype(self, dtype):
        """A copy with every array in ``dtype``."""
        new = self.copy()
        for name in PARAMS + ("mask",):
            v = getattr(new, name)
            if v is not None:
                setattr(new, name, v.astype(dtype))
        return new

    def weights(self):
        r""":math:`W = \varphi \circ (\lambda_\mathrm{in}\mathbf 1^\top - \mathbf 1 (m\circ\lambda_\mathrm{out})^\top)`."""
        return self.phi * (self.lam_in[:, None] - (self.mask * self.lam_out)[None, :])

    def forward(self, x):
        """Pre-activation ``z`` and activation ``a`` of items ``x`` (rows)."""
        z = x @ self.weights()
        if self.bias is not None:
            z += self.mask * self.bias
        return z, activate(z, self.activation)

    def backward(self, x, z, a, g_a):
        """Gradients from ``g_a = dL/da``: returns ``(dL/dx, {name: dL/dparam for trainable names})``."""
        g_z = g_a * activation_grad(z, a, self.activation)
        g_w = x.T @ g_z
        diff = self.lam_in[:, None] - (self.mask * self.lam_out)[None, :]
        grads = {}
        if "phi" in self.trainable:
            grads["phi"] = g_w * diff
        if "lam_in" in self.trainable or "lam_out" in self.trainable:
            gp = g_w * self.phi
            if "lam_in" in self.trainable:
                grads["lam_in"] = gp.sum(1)
            if "lam_out" in self.trainable:
                grads["lam_out"] = -self.mask * gp.sum(0)
        if "bias" in self.trainable:
            grads["bias"] = self.mask * g_z.sum(0)
        return g_z @ (self.phi * diff).T, grads

    def penalty(self):
        """Value and gradients (trainable names) of the L2 terms."""
        value, grads = 0.0, {}
        for name, c in self.l2.items():
            if c and name in self.trainable:
                v = getattr(self, name)
                value += float(c * np.sum(v.astype(np.float64) ** 2))
                grads[name] = 2.0 * c * v
        return value, grads
