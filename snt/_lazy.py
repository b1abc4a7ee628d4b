"""Lazy package attributes (PEP 562): a package lists its public names and the module each comes from, and
they are imported on first access, so importing the package does not load numba, scipy or xarray."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["lazy_package"]


class _Package(types.ModuleType):
    """A package whose submodule ``pkg.name`` shares its name with the function ``pkg.name``: binding the
    submodule when it is imported (as the import system does) keeps the function instead."""

    _shadowed: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._shadowed and isinstance(value, types.ModuleType) and hasattr(value, name):
            value = getattr(value, name)
        super().__setattr__(name, value)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # pickled by name like any module (a function shipped to dask workers may refer to the package)
        return importlib.import_module, (self.__name__,)


def lazy_package(package: str, names: dict[str, tuple[str, str | None]],
                 shadowed: Iterable[str] = ()) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) for ``package``, whose public ``names`` map to (relative module,
    attribute; None for the module itself). Names in ``shadowed`` are functions named like their module."""
    module = sys.modules[package]

    def __getattr__(name: str) -> Any:
        try:
            where, attr = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        mod = importlib.import_module(where, package)
        value = mod if attr is None else getattr(mod, attr)
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(module)) | set(names))

    module.__class__ = _Package
    module.__dict__["_shadowed"] = tuple(shadowed)
    return __getattr__, __dir__
