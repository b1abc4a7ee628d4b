"""Figure family "route" (snt.figures.route): `python analysis/fig_route.py [--quick] [--out DIR]`."""

import argparse

from snt import figures

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=figures.FAMILIES["route"])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--out", default=str(figures.DEFAULT_OUT), help="output directory")
    a = ap.parse_args()
    print("\n".join(str(p) for p in figures.make("route", a.out, quick=a.quick)))
