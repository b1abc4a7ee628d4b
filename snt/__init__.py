"""snt: a workbench for the dynamics of random recurrent networks."""

__version__ = "0.1.0"

__all__ = ["__version__"]
