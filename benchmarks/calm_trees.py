"""Times calm-data-generator's ``RealGenerator().generate(data, n, method="cart" | "rf")`` on a CSV table;
run with the Python of its throwaway virtual environment (see ``calm_venv.sh``), never with fastsynth's.
Prints one JSON line: the seconds of the call (fit and sample together: the peer has no separate sample
step on this path), the rows it returned and the correlation of its columns x and y.

    python calm_trees.py --csv data.csv --rows 100000 --method cart [--option min_samples_leaf=5]

``RealGenerator``'s module imports torch at its top, for methods other than these; the throwaway venv
does not install it (gigabytes, and the trees never touch it), so an empty stand-in module is put in its
place when torch is missing, and the JSON says so.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import types


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--method", choices=["cart", "rf"], required=True)
    parser.add_argument("--option", action="append", default=[], help="NAME=INTEGER, passed to the trees")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401

        stub = False
    except ImportError:
        sys.modules["torch"] = types.ModuleType("torch")
        stub = True
    import pandas as pd
    from calm_data_generator.generators.tabular.RealGenerator import RealGenerator

    logging.disable(logging.INFO)
    data = pd.read_csv(args.csv, parse_dates=["when"])
    options = {k: int(v) for k, v in (o.split("=", 1) for o in args.option)}
    generator = RealGenerator()
    started = time.perf_counter()
    made = generator.generate(data, args.rows, method=args.method, **options)
    seconds = time.perf_counter() - started
    quality = float(made["x"].astype(float).corr(made["y"].astype(float)))
    print(json.dumps({"seconds": seconds, "rows": len(made), "torch_stub": stub, "corr_xy": quality}))


if __name__ == "__main__":
    main()
