"""Figure family "response" (snt.figures.response): `python analysis/fig_response.py [--quick] [--out DIR]`."""

import argparse

from snt import figures

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=figures.FAMILIES["response"])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--out", default=str(figures.DEFAULT_OUT), help="output directory")
    a = ap.parse_args()
    print("\n".join(str(p) for p in figures.make("response", a.out, quick=a.quick)))
