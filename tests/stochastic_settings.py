"""Shared by the tests of the stochastic classifiers: a double well that trains on the digits (the ``digits``
fixture of conftest.py) in seconds (test accuracy about 0.92)."""

QUICK = dict(n_nodes=64, optimizer="adam", maxiter=8, batch_size=32, lr=3e-3, lr_eigenvalues=0.03, init="complement",
             loss="xent", seed=0)

