"""Synthesising from real data, side by side in one run: ``fastsynth.fit`` then ``generate`` against
SDV's ``GaussianCopulaSynthesizer``, the same model family, fitted on the same rows.

    python benchmarks/bench_fit.py            # full sizes (a few minutes)
    python benchmarks/bench_fit.py --quick    # tiny sizes: checks the script works, not the speed

The "real" data is 50,000 rows of a 12-column table made with numpy, not with either tool: six numbers
(age, income by city and age, spend by income and segment, a normal score with 10% nulls, visits by
segment, a 1-5 rating by spend), three categories (city, segment, device; device independent of the
rest), two booleans (owner by age, churned by visits) and a signup date (earlier for older people).
Each tool fits it once (timed, after a warm-up fit of 1,000 rows each, so that neither pays its
imports or compilation), then makes rows (fastsynth 5,000,000, SDV 200,000; medians of three).

Fidelity, for both, on 50,000 made rows against the real ones:
- marginals: the mean over columns of 1 - Kolmogorov-Smirnov distance (numbers, the date) or 1 - total
  variation distance (categories, booleans);
- relations, as mean absolute errors: Pearson correlations between numbers (booleans as 0/1, the date
  as days), the correlation ratio eta between each category and each number (how much of the number
  the category explains: income by city), and Cramér's V between categories.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
from common import machine
from scipy.stats import ks_2samp

import fastsynth

NUMBERS = ["age", "income", "spend", "score", "visits", "rating", "signup"]  # signup as days
BOOLEANS = ["owner", "churned"]
CATEGORIES = ["city", "segment", "device"]
CITIES = {"Paris": 1.8, "Lyon": 1.2, "Nice": 1.4, "Lille": 0.9, "Brest": 0.7, "Dijon": 1.0}
SEGMENTS = {"basic": (0.8, 2.0), "plus": (1.0, 4.0), "pro": (1.5, 7.0), "vip": (2.5, 12.0)}


def real_table(rows: int, seed: int = 1) -> pa.Table:
    """The "real" data: relations between categories and numbers that a copula should keep."""
    rng = np.random.default_rng(seed)
    city = rng.choice(list(CITIES), rows, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.1])
    segment = rng.choice(list(SEGMENTS), rows, p=[0.5, 0.3, 0.15, 0.05])
    age = np.clip(rng.normal(42, 13, rows), 18, 90).round().astype(np.int64)
    income = np.array([CITIES[c] for c in city]) * np.exp(
        10.2 + 0.015 * (age - 42) + rng.normal(0, 0.45, rows)
    )
    spend_factor = np.array([SEGMENTS[s][0] for s in segment])
    spend = np.round(spend_factor * income * 0.02 * rng.gamma(4.0, 0.25, rows), 2)
    visits = rng.poisson(np.array([SEGMENTS[s][1] for s in segment]))
    rating = np.clip(
        np.round(3 + 0.6 * (np.log(spend) - np.log(spend).mean()) + rng.normal(0, 0.8, rows)), 1, 5
    )
    score = rng.normal(0, 1, rows) + 0.3 * (age - 42) / 13
    owner = rng.random(rows) < 1 / (1 + np.exp(-(age - 45) / 7))
    churned = rng.random(rows) < 1 / (1 + np.exp(0.5 * (visits - 3)))
    days = (np.datetime64("2024-06-30") - np.datetime64("2015-01-01")).astype(int)
    signup_offset = np.clip((90 - age) / 72 * days * 0.7 + rng.uniform(0, days * 0.3, rows), 0, days)
    signup = np.datetime64("2015-01-01") + signup_offset.astype("timedelta64[D]")
    return pa.table(
        {
            "age": age,
            "income": income,
            "spend": spend,
            "score": pa.array(score, mask=rng.random(rows) < 0.1),
            "visits": visits,
            "rating": rating.astype(np.int64),
            "city": city,
            "segment": segment,
            "device": rng.choice(["phone", "desktop", "tablet"], rows, p=[0.6, 0.3, 0.1]),
            "owner": owner,
            "churned": churned,
            "signup": pa.array(signup.astype("datetime64[D]"), pa.date32()),
        }
    )


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Both tools' rows in one form: numbers as floats (the date as days since 1970), categories as text."""
    out = pd.DataFrame(index=frame.index)
    for name in NUMBERS + BOOLEANS:
        column = frame[name]
        if name == "signup":
            column = pd.to_datetime(column).to_numpy().astype("datetime64[D]").astype(np.int64)
        out[name] = pd.to_numeric(pd.Series(column, index=frame.index), errors="coerce").astype(float)
    for name in CATEGORIES:
        out[name] = frame[name].astype(str)
    return out


def _eta(category: pd.Series, number: pd.Series) -> float:
    """The correlation ratio: the share of the number's spread that the category's means explain."""
    present = number.notna()
    category, number = category[present], number[present]
    means = number.groupby(category).transform("mean")
    total = ((number - number.mean()) ** 2).sum()
    return float(np.sqrt(((means - number.mean()) ** 2).sum() / total)) if total > 0 else 0.0


def _cramers_v(a: pd.Series, b: pd.Series) -> float:
    table = pd.crosstab(a, b).to_numpy().astype(float)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    return float(np.sqrt(chi2 / table.sum() / max(1, min(table.shape) - 1)))


def fidelity(real: pd.DataFrame, made: pd.DataFrame) -> dict[str, float]:
    """Marginal closeness (higher is better) and relation errors (lower is better)."""
    closeness = []
    for name in NUMBERS:
        closeness.append(1 - ks_2samp(real[name].dropna(), made[name].dropna()).statistic)
    for name in CATEGORIES + BOOLEANS:
        p, q = (f[name].value_counts(normalize=True) for f in (real, made))
        closeness.append(1 - 0.5 * p.sub(q, fill_value=0).abs().sum())
    numeric = NUMBERS + BOOLEANS
    pearson = np.abs(real[numeric].corr().to_numpy() - made[numeric].corr().to_numpy())
    eta = [abs(_eta(real[c], real[n]) - _eta(made[c], made[n])) for c in CATEGORIES for n in numeric]
    cramer = [
        abs(_cramers_v(real[a], real[b]) - _cramers_v(made[a], made[b]))
        for a, b in itertools.combinations(CATEGORIES, 2)
    ]
    return {
        "marginals": float(np.mean(closeness)),
        "pearson": float(pearson[np.triu_indices(len(numeric), 1)].mean()),
        "eta": float(np.mean(eta)),
        "cramer": float(np.mean(cramer)),
    }


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    real_rows, ours, theirs, check, repeats = (
        (3_000, 50_000, 3_000, 3_000, 1) if args.quick else (50_000, 5_000_000, 200_000, 50_000, 3)
    )
    print(machine())
    real = real_table(real_rows)
    # SDV reads a date from a datetime column (pandas makes Python dates of date32).
    real_frame = real.to_pandas().assign(signup=lambda f: pd.to_datetime(f["signup"]))
    real_check = comparable(real_frame)

    def fit_ours(table: pa.Table) -> fastsynth.Schema:
        schema = fastsynth.fit(table)
        fastsynth.generate(schema, 1)  # everything a first batch needs is ready
        return schema

    fit_ours(real.slice(0, 1_000))
    fit_seconds, schema = timed(lambda: fit_ours(real))
    fs_rates = [ours / timed(lambda k=k: fastsynth.generate(schema, ours, seed=k))[0] for k in range(repeats)]
    fs_quality = fidelity(real_check, comparable(fastsynth.generate(schema, check, seed=9).to_pandas()))

    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metadata = Metadata.detect_from_dataframes({"real": real_frame})
        # Detection takes "city" for personal data and would make up new city names: a user corrects it.
        metadata.update_column(column_name="city", sdtype="categorical", table_name="real")
        GaussianCopulaSynthesizer(metadata).fit({"real": real_frame.iloc[:1_000]})
        synthesizer = GaussianCopulaSynthesizer(metadata)
        sdv_fit, _ = timed(lambda: synthesizer.fit({"real": real_frame}))
        sdv_rates = [theirs / timed(lambda: synthesizer.sample(theirs))[0] for _ in range(repeats)]
        made = synthesizer.sample(check)
        sdv_quality = fidelity(real_check, comparable(made["real"] if isinstance(made, dict) else made))

    fs_rate, sdv_rate = statistics.median(fs_rates), statistics.median(sdv_rates)
    print(
        "| implementation | fit (s) | fit x SDV | rows/s made (median) | rows/s x SDV | marginals "
        "(1 - KS / TV) | Pearson error | eta error (category x number) | Cramér's V error |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, fit_s, rate, q in (
        ("fastsynth fit + generate", fit_seconds, fs_rate, fs_quality),
        ("SDV GaussianCopulaSynthesizer", sdv_fit, sdv_rate, sdv_quality),
    ):
        print(
            f"| {name} | {fit_s:.2f} | {sdv_fit / fit_s:,.1f}x | {rate:,.0f} | {rate / sdv_rate:,.1f}x | "
            f"{q['marginals']:.4f} | {q['pearson']:.4f} | {q['eta']:.4f} | {q['cramer']:.4f} |"
        )
    print(
        f"fastsynth against SDV: fit {sdv_fit / fit_seconds:,.1f}x faster (target 10x), rows made "
        f"{fs_rate / sdv_rate:,.1f}x faster (target 50x)"
    )


if __name__ == "__main__":
    main()
