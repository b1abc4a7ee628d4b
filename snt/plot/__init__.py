"""The standard figures, each a function of a Dataset returned by an analysis: ``snt.plot.<figure>(ds, ax=None)``.

Each returns the matplotlib Axes (or Figure for multi-panel figures) it drew on. Axis labels come from the
variables' ``long_name`` and ``units``. The figures live in one module per analysis (``_simulate``,
``_lyapunov``, ...); every public name of those modules (their ``__all__``) is exported here.
"""

import importlib as _importlib
import pkgutil as _pkgutil

__all__ = []
for _module in sorted(m.name for m in _pkgutil.iter_modules(__path__)):
    _mod = _importlib.import_module(f"{__name__}.{_module}")
    for _name in getattr(_mod, "__all__", ()):
        globals()[_name] = getattr(_mod, _name)
        __all__.append(_name)
