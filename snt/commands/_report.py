"""What the subcommands print: a human-readable summary with units, or (``--json``) one JSON object.

Numbers are shown with 4 significant digits; a value below the tolerance of its computation (e.g. a
q_inf of -9e-15 from a fixed point iterated to 1e-10) is shown as 0, and a mean comes with its spread
labelled ("mean ± std" or "± stderr").
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["number", "quantity", "spread", "emit"]


def number(x: float, tol: float = 0.0, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits; 0 when ``|x| <= tol``."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if abs(x) <= tol:
        return "0"
    return f"{x:.{digits}g}"


def quantity(x: float, unit: str = "", tol: float = 0.0, digits: int = 4) -> str:
    """A number with its unit ("0.1235 per step")."""
    text = number(x, tol, digits)
    return f"{text} {unit}" if unit else text


def spread(mean: float, err: float, unit: str = "", label: str = "stderr", tol: float = 0.0) -> str:
    """"mean ± err unit (label)", e.g. "0.1235 ± 0.0021 per step (stderr over 4 trials)"."""
    text = f"{number(mean, tol)} ± {number(err, 0.0, 2)}"
    return f"{text}{' ' + unit if unit else ''} ({label})"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit(args: Any, text: str, data: Mapping[str, Any]) -> None:
    """Print ``text`` for people, or ``data`` as one line of JSON with ``--json``."""
    if getattr(args, "json", False):
        print(json.dumps(_plain(data), sort_keys=True))
    else:
        print(text)
