"""Agrawal's loan-approval concepts (Agrawal, Imielinski and Swami, 1993), as river's ``Agrawal``.

Per attempt a row draws its nine features (draws ``11 * attempt + 0..4``): salary uniform in
[20k, 150k); commission 0 from a salary of 75k up, else uniform in [10k, 85k); age 20-80, elevel 0-4,
car 1-20, zipcode 0-8 and hyears 1-30 uniform integers; hvalue ``(8 - zipcode) * 100k * U[0.5, 1.5)``;
loan uniform in [0, 500k). One of ten functions labels them. ``perturbation`` then moves the kept
attempt's features (draws ``11 * attempt + 5..10``) after the label is taken, as river does, so the
label stays that of the unperturbed row.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels import rng
from fastsynth.kernels.jit import kernel, parallel_kernel

__all__ = ["agrawal", "agrawal_label", "agrawal_labels"]

_DRAWS = 11  # four floats, the five integers and six perturbations, per attempt
_COMBINATIONS = np.uint64(61 * 5 * 20 * 9 * 30)  # age, elevel, car, zipcode, hyears


@kernel
def _within(value, low, high):
    return 1 if low <= value <= high else 0


# The education levels each age band favours (river tests them by equality, so values outside 0-4,
# which the generator never makes, fall in none).
@kernel
def _low(elevel):
    return elevel == 0 or elevel == 1


@kernel
def _middle(elevel):
    return elevel == 1 or elevel == 2 or elevel == 3


@kernel
def _high(elevel):
    return elevel == 2 or elevel == 3 or elevel == 4


@kernel
def agrawal_label(function, salary, commission, age, elevel, zipcode, hvalue, hyears, loan):
    """Function ``function`` (0-9) of a row's features (car is in none of them), river's exactly:
    function 4 keeps river's comparisons of salary with 200k-500k, which salary never reaches, so
    outside its first branch it is always 0."""
    if function == 0:
        return 1 if age < 40 or age >= 60 else 0
    if function == 1:
        if age < 40:
            return _within(salary, 50000.0, 100000.0)
        if age < 60:
            return _within(salary, 75000.0, 125000.0)
        return _within(salary, 25000.0, 75000.0)
    if function == 2:
        if age < 40:
            return 1 if _low(elevel) else 0
        if age < 60:
            return 1 if _middle(elevel) else 0
        return 1 if _high(elevel) else 0
    if function == 3:
        if age < 40:
            return _within(salary, 25000.0, 75000.0) if _low(elevel) else _within(salary, 50000.0, 100000.0)
        if age < 60:
            if _middle(elevel):
                return _within(salary, 50000.0, 100000.0)
            return _within(salary, 75000.0, 125000.0)
        return _within(salary, 50000.0, 100000.0) if _high(elevel) else _within(salary, 25000.0, 75000.0)
    if function == 4:
        if age < 40:
            if _within(salary, 50000.0, 100000.0):
                return _within(loan, 100000.0, 300000.0)
            return _within(salary, 200000.0, 400000.0)
        if age < 60:
            if _within(salary, 75000.0, 125000.0):
                return 1 if salary >= 200000.0 and loan <= 400000.0 else 0
            return _within(salary, 300000.0, 500000.0)
        if _within(salary, 25000.0, 75000.0):
            return _within(loan, 300000.0, 500000.0)
        return _within(loan, 75000.0, 300000.0)
    if function == 5:
        total = salary + commission
        if age < 40:
            return _within(total, 50000.0, 100000.0)
        if age < 60:
            return _within(total, 75000.0, 125000.0)
        return _within(total, 25000.0, 75000.0)
    # 6-9: class 0 when the disposable income is above 1; the arithmetic in river's order, so that
    # rows on the boundary round the same way.
    if function == 6:
        disposable = 2.0 * (salary + commission) / 3.0 - loan / 5.0 - 20000.0
    elif function == 7:
        disposable = 2.0 * (salary + commission) / 3.0 - 5000 * elevel - 20000.0
    elif function == 8:
        disposable = 2.0 * (salary + commission) / 3.0 - 5000 * elevel - loan / 5.0 - 10000.0
    else:
        equity = hvalue * (hyears - 20) / 10.0 if hyears >= 20 else 0.0
        disposable = 2.0 * (salary + commission) / 3.0 - 5000 * elevel + equity / 5.0 - 10000.0
    return 0 if disposable > 1.0 else 1


@parallel_kernel
def agrawal_labels(function, salary, commission, age, elevel, zipcode, hvalue, hyears, loan, out):
    """``out[j]`` = the label of row ``j``'s features under ``function``."""
    for j in prange(out.shape[0]):
        out[j] = agrawal_label(
            function, salary[j], commission[j], age[j], elevel[j], zipcode[j], hvalue[j], hyears[j], loan[j]
        )


@kernel
def _perturb(value, low, high, spread, u, perturbation):
    """river's ``_perturb_value``: move by up to ``spread * perturbation`` either way, then clamp to
    ``low`` below and then ``high`` above (in that order, which matters when ``low > high``)."""
    value += spread * (2.0 * (u - 0.5)) * perturbation
    if value < low:
        return low
    if value > high:
        return high
    return value


@kernel
def _rare_span(function):
    """How far above its least (30k) salary + commission may go in a row of class 1 under
    ``function``, when that class is rare enough to be worth drawing from there (0 when not).

    Function 7's class 1 needs ``2 (s + c) / 3 <= 20001 + 5000 elevel <= 40001`` and function 9's
    ``<= 10001 + 5000 elevel - equity / 5 <= 30001`` (equity >= 0): s + c at most 60001.5 and 45001.5.
    A salary of 75k or more (no commission) is past both, so such a row has a commission and
    (s - 20k, c - 10k) lies in a triangle of side 30001.5 or 15001.5 (half a unit more here, for
    rounding). Drawing (s, c) uniformly in it is river's distribution restricted to a region that
    holds every row of class 1, so rejection from there gives river's rows of class 1 exactly, in
    about 3 attempts instead of 60 (function 7, 1.7% class 1) and 500 (function 9, 0.2%; 13% of its
    rows would run out of attempts)."""
    if function == 7:
        return 30002.0
    if function == 9:
        return 15002.0
    return 0.0


@kernel
def _low_income(span, u, v):
    """(salary, commission) uniform over salary >= 20k, commission >= 10k, their excess over those at
    most ``span`` in total: a uniform point of the square, folded onto the triangle."""
    p = span * u
    q = span * v
    if p + q > span:
        p = span - p
        q = span - q
    return 20000.0 + p, 10000.0 + q


@parallel_kernel
def agrawal(
    rows,
    key,
    function,
    perturbation,
    desired,
    max_attempts,
    salary,
    commission,
    age,
    elevel,
    car,
    zipcode,
    hvalue,
    hyears,
    loan,
    y,
):
    """Row ``rows[j]`` into the nine feature buffers and ``y[j]``; returns how many rows ran out of
    attempts to reach ``desired[j]``."""
    first = rng.streams(key, _DRAWS)
    missed = 0
    for j in prange(rows.shape[0]):
        i = rows[j]
        base = 0
        s = c = h = m = 0.0
        a = e = k = z = n = 0
        label = 0
        span = _rare_span(function) if desired[j] == 1 else 0.0
        for attempt in range(max_attempts):
            base = attempt * _DRAWS
            if span > 0.0:
                u = rng.unit(rng.hoisted(first, key, i, base))
                s, c = _low_income(span, u, rng.unit(rng.hoisted(first, key, i, base + 1)))
            else:
                s = 20000.0 + 130000.0 * rng.unit(rng.hoisted(first, key, i, base))
                c = (
                    0.0
                    if s >= 75000.0
                    else 10000.0 + 75000.0 * rng.unit(rng.hoisted(first, key, i, base + 1))
                )
            # The five integers from one draw: a uniform index into their 1,647,000 combinations.
            r = np.int64(rng.bounded(rng.hoisted(first, key, i, base + 2), _COMBINATIONS))
            a, r = 20 + r % 61, r // 61
            e, r = r % 5, r // 5
            k, r = 1 + r % 20, r // 20
            z, n = r % 9, 1 + r // 9
            h = (8 - z) * 100000 * (0.5 + rng.unit(rng.hoisted(first, key, i, base + 3)))
            m = rng.unit(rng.hoisted(first, key, i, base + 4)) * 500000.0
            label = agrawal_label(function, s, c, a, e, z, h, n, m)
            if desired[j] < 0 or label == desired[j]:
                break
            if attempt == max_attempts - 1:
                missed += 1
        if perturbation > 0.0:
            u = rng.unit(rng.hoisted(first, key, i, base + 5))
            s = _perturb(s, 20000.0, 150000.0, 130000.0, u, perturbation)
            if c > 0.0:
                u = rng.unit(rng.hoisted(first, key, i, base + 6))
                c = _perturb(c, 10000.0, 75000.0, 65000.0, u, perturbation)
            u = rng.unit(rng.hoisted(first, key, i, base + 7))
            a = round(_perturb(float(a), 20.0, 80.0, 60.0, u, perturbation))
            # river passes (9 - zipcode) * 100k as the lower bound and 0 as the upper one (MOA's
            # arguments in another order), so a perturbed hvalue is one of those two.
            u = rng.unit(rng.hoisted(first, key, i, base + 8))
            h = _perturb(h, (9 - z) * 100000.0, 0.0, 135000.0, u, perturbation)
            u = rng.unit(rng.hoisted(first, key, i, base + 9))
            n = round(_perturb(float(n), 1.0, 30.0, 29.0, u, perturbation))
            u = rng.unit(rng.hoisted(first, key, i, base + 10))
            m = _perturb(m, 0.0, 500000.0, 500000.0, u, perturbation)
        salary[j], commission[j], age[j], elevel[j], car[j] = s, c, a, e, k
        zipcode[j], hvalue[j], hyears[j], loan[j], y[j] = z, h, n, m, label
    return missed
