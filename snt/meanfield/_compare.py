def compare(ens, steps=3000, trials=4, seed=None):
    raise NotImplementedError
