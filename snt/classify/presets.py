"""Training settings used for the reported results (digits: held-out 20 %; Fashion-MNIST: the papers').

``DIGITS[name]`` are keyword arguments of :class:`~snt.classify.AttractorClassifier` (with ``seed=0``).
They were chosen by a handful of short runs on the training set; the CVFR models use 60 steps of
0.03 (T = 1.8) because over the papers' 300 steps the adjoint of this contracting flow vanishes on digits
and training stalls at chance.
"""

DIGITS = {
    "sa-node": dict(steps=30, n_nodes=128, optimizer="adam", maxiter=60, batch_size=32, lr=3e-3),
    "snt-map": dict(n_nodes=128, optimizer="adam", maxiter=40, batch_size=32, lr=1e-2, lr_decay=0.93),
    "cvfr": dict(steps=60, n_nodes=64, optimizer="adam", maxiter=40, batch_size=32, lr=5e-3),
    "cvfr-stochastic": dict(steps=60, n_nodes=64, optimizer="adam", maxiter=40, batch_size=32, lr=5e-3),
    "wilson-cowan": dict(n_nodes=128, optimizer="adam", maxiter=60, batch_size=32, lr=0.1, lr_decay=0.95),
}

#: the papers' protocols (CLASSIFIERS.md §2.4, §3.5): Adam, batch 200, float32
FASHION = {
    "wilson-cowan": dict(steps=35, eval_steps=400, dtype="float32", optimizer="adam", batch_size=200, lr=0.1),
    "sa-node": dict(steps=55, dtype="float32", optimizer="adam", batch_size=200, lr=1e-3),
}
