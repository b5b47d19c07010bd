#!/bin/sh
# A throwaway virtual environment with calm-data-generator, for bench_drift.py, bench_scenario.py and
# bench_generators.py only: it is not a dependency of fastsynth (its full install pulls gigabytes). Its
# drift and scenario injectors import with numpy, pandas, scipy and pydantic; its block generator
# (SyntheticBlockGenerator) also needs river,
# its "stream" extra: 0.23.0, the version calm-data-generator 2.3.2 was released with, which accepts
# these numpy, pandas and scipy (newer rivers want numpy 2, which calm-data-generator refuses). Its
# RealGenerator (bench_trees.py, through calm_trees.py) needs scikit-learn for cart and rf (1.7.2: the
# range calm-data-generator declares, and built for numpy 1.26), joblib and tqdm.
set -e
VENV="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/fastsynth/calm-venv}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps calm-data-generator==2.3.2
"$VENV/bin/pip" install -q --disable-pip-version-check numpy==1.26.4 pandas==2.3.3 scipy==1.14.1 pydantic==2.14.3 \
    river==0.23.0 scikit-learn==1.7.2 joblib==1.5.2 tqdm==4.67.1
echo "$VENV/bin/python"
