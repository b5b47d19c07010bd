"""Times calm-data-generator's DriftInjector; run with the Python of its throwaway virtual environment
(see ``calm_venv.sh``), never with fastsynth's. Prints one JSON line.

    python calm_drift.py --rows 1000000 --op label_flip
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np
import pandas as pd
from calm_data_generator.generators.drift.DriftInjector import DriftInjector


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--op", choices=["label_flip", "shift"], required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"f{i}": rng.normal(size=args.rows) for i in range(10)})
    frame["label"] = np.arange(args.rows) % 3
    with tempfile.TemporaryDirectory() as tmp:
        injector = DriftInjector(output_dir=tmp, random_state=0, auto_report=False)
        started = time.perf_counter()
        if args.op == "label_flip":
            out = injector.inject_label_drift(
                frame, target_cols=["label"], drift_magnitude=0.1, start_index=0
            )
            changed = int((out["label"] != frame["label"]).sum())
        else:
            columns = [f"f{i}" for i in range(10)]
            out = injector.inject_feature_drift(
                frame, feature_cols=columns, drift_type="shift", drift_magnitude=0.5, start_index=0
            )
            changed = int((out[columns] != frame[columns]).to_numpy().sum())
        seconds = time.perf_counter() - started
    print(json.dumps({"op": args.op, "rows": args.rows, "seconds": seconds, "changed": changed}))


if __name__ == "__main__":
    main()
