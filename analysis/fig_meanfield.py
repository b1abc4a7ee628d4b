"""Figure family "meanfield" (snt.figures.meanfield): `python analysis/fig_meanfield.py [--quick] [--out DIR]`."""

import argparse

from snt import figures

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=figures.FAMILIES["meanfield"])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--out", default=str(figures.DEFAULT_OUT), help="output directory")
    a = ap.parse_args()
    print("\n".join(str(p) for p in figures.make("meanfield", a.out, quick=a.quick)))
