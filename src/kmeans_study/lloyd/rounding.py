"""How far float32 scores can be from exact ones: the bounds every exact decision trusts.

Plain arithmetic (no NumPy, no Numba), so the compiled kernels (``exact``: ``score_error`` is this
module's function compiled) and the NumPy evaluation (``evaluate``, element-wise on arrays) use the
very same formula, operation for operation.
"""

from __future__ import annotations

UNIT_ROUNDOFF = 2.0**-24  # float32


def gemm_error(d: int) -> float:
    """gamma_d for float32 dot products of length d: |fl(x.c) - x.c| <= gamma_d |x| |c| in any
    summation order (Higham, *Accuracy and Stability of Numerical Algorithms*, eq. 3.5)."""
    nu = d * UNIT_ROUNDOFF
    return nu / (1.0 - nu)


def float64_slack(d: int) -> float:
    """A relative bound (with a factor 4 to spare) on float64 rounding in a length-d squared
    distance, a norm or a score: 4 (d + 2) 2^-53."""
    return 4.0 * (d + 2) * 2.0**-53


def score_error(xn, cmax, gamma):
    """How far a float32 score |c|^2 - 2 x.c can be from its exact value, for |x| = xn and
    |c| <= cmax: 2 gamma_d |x| cmax (the product, in any summation order) + 4 u (|x| + cmax)^2
    (the norms, the subtraction, and float64 rounding many times over), u = 2^-24. Scalars or
    arrays (element-wise)."""
    span = xn + cmax
    return 2.0 * gamma * xn * cmax + 4.0 * UNIT_ROUNDOFF * span * span
