"""Subcommands of the ``snt`` command beyond ``simulate``.

Every module in this package defines ``register(subparsers)``, which adds its parser and sets
``func=handler`` with ``handler(args) -> int``. ``snt.cli`` finds them with ``pkgutil``, so a new
command is one new file here.
"""
