"""Shared by the tests of the stochastic classifiers: the digits, and a double well that trains on them in
seconds (test accuracy about 0.92)."""

import pytest

from snt import classify

QUICK = dict(n_nodes=64, optimizer="adam", maxiter=8, batch_size=32, lr=3e-3, lr_eigenvalues=0.03, init="complement",
             loss="xent", seed=0)


@pytest.fixture(scope="module")
def digits():
    return classify.load_dataset("digits")
