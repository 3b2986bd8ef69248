"""SciPy 1.17 reference runs for audio-dsp's optimiser ports: L-BFGS-B
(`util::lbfgsb`, as `scipy.optimize.fmin_l_bfgs_b`) on Rosenbrock problems
(free, boxed with a wrapping memory, mixed bounds) and a bounded quadratic,
and Lawson-Hanson NNLS (`util::nnls::nnls_vector`, as
`scipy.optimize.nnls`) on a fixed 4 x 3 system and a random 12 x 5 one.

Writes audio-dsp/tests/fixtures/optimizer/cases.json (the problems' inputs
and SciPy's iterates, values, iteration and evaluation counts), which the
unit tests of util/lbfgsb.rs and util/nnls.rs read.

    python tools/reference/dsp_optimizer_fixtures.py
"""
import json
import pathlib

import numpy as np
import scipy
from scipy.optimize import fmin_l_bfgs_b, nnls

OUT = pathlib.Path(__file__).resolve().parents[2] / "audio-dsp" / "tests" / "fixtures" / "optimizer"


def rosen(x):
    x = np.asarray(x, float)
    a = x[1:] - x[:-1] ** 2
    b = 1.0 - x[:-1]
    f = float(np.sum(100.0 * a * a + b * b))
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * a - 2.0 * b
    g[1:] += 200.0 * a
    return f, g


Q = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, -0.5], [0.5, -0.5, 2.0]])
B = np.array([1.0, -2.0, 3.0])


def quad(x):
    qx = Q @ x
    return float(0.5 * x @ qx - B @ x), qx - B


def run(name, fn, x0, bounds, m=10):
    x, f, d = fmin_l_bfgs_b(fn, x0, bounds=bounds, m=m)
    return name, {"x": [float(v) for v in x], "f": float(f), "nit": int(d["nit"]),
                  "nfev": int(d["funcalls"]), "warnflag": int(d["warnflag"])}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cases = {"scipy": scipy.__version__, "numpy": np.__version__, "lbfgsb": {}, "nnls": {}}
    for name, res in (
        run("rosenbrock_2d", rosen, [-1.2, 1.0], None),
        run("rosenbrock_5d", rosen, [-1.2, 1.0, -0.5, 0.3, 2.0], None),
        run("rosenbrock_5d_boxed_m5", rosen, [-1.2, 1.0, -0.5, 0.3, 2.0], [(-2.0, 0.5)] * 5, m=5),
        run("rosenbrock_mixed_m3", rosen, [3.0, -3.0, 3.0], [(None, 2.0), (0.5, None), (-1.0, 1.0)], m=3),
        run("quadratic_box", quad, [0.5, 0.5, 0.5], [(0.0, 1.0)] * 3),
    ):
        cases["lbfgsb"][name] = res
    a = np.array([[1.0, 2.0, 0.5], [3.0, -1.0, 1.0], [0.5, 0.2, -2.0], [1.0, 1.0, 1.0]])
    b = np.array([1.0, -2.0, 3.0, 0.5])
    rng = np.random.default_rng(0)
    a2 = rng.standard_normal((12, 5))
    # A non-negative combination plus noise: some components active, some at 0.
    b2 = a2 @ np.array([1.0, 0.0, 0.5, 2.0, 0.0]) + 0.3 * rng.standard_normal(12)
    for name, (aa, bb) in (("fixed_4x3", (a, b)), ("random_12x5", (a2, b2))):
        x, rnorm = nnls(aa, bb)
        cases["nnls"][name] = {"a": aa.tolist(), "b": bb.tolist(), "x": [float(v) for v in x],
                               "rnorm": float(rnorm)}
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1))
    print("wrote", OUT / "cases.json")


if __name__ == "__main__":
    main()
