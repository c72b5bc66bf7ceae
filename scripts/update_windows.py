#!/usr/bin/python3
"""Two short training windows against a whole run, for the pairs `tag update` adds.

Usage: scripts/update_windows.py DIR ADD BUDGET STEPS[,STEPS...]

DIR is a folder that scripts/update_agreement.sh made (or laid out alike):
scratch1, scratch2, scratch3 are from-scratch `tag affinity` runs on every
task, `without` the run without the tasks ADD (comma-separated). For each
window length W in STEPS (training steps) the script runs, once, in DIR:

    tag update -from without -add ADD -steps W -refresh -budget BUDGET -out EW
    tag update ... -warm -out LW

E is the window from the initialization of the run's seed (early training),
L the window from the saved final weights. With -refresh the update adds its
measurements of the old pairs to their saved sums, so every pair's window
mean is (sum after - sum before) / (count after - count before) from
affinity-sums.json. For the ordered pairs involving an added task it prints
the Spearman correlation with each from-scratch run (their mean; the
yardstick is each two from-scratch runs) and the groups at BUDGET (the rest
of the matrix: the saved means), for E alone, L alone, and a calibration
fitted on the old pairs, whose whole-training means the saved run holds:
full = a + b*E + c*L by least squares, applied to the added pairs, for every
E and L length with E + L at most 30% of a from-scratch run's steps.

TAG names the binary (default: tag on PATH). Only the standard library.
"""
import json
import os
import subprocess
import sys
import tempfile

TAG = os.environ.get("TAG", "tag")


def read_sums(path):
    """Tasks, summed affinities and counts of an affinity-sums.json."""
    with open(path) as f:
        d = json.load(f)
    return d["tasks"], d["z"], d["count"]


def means(path, tasks):
    """Mean affinity of each ordered pair of tasks (rows: source)."""
    t, z, c = read_sums(path)
    ix = [t.index(x) for x in tasks]
    return [[z[i][j] / c[i][j] for j in ix] for i in ix]


def window(before, after, tasks):
    """Window means: the sums an update with -refresh added, per pair."""
    t0, z0, c0 = read_sums(before)
    t1, z1, c1 = read_sums(after)
    out = []
    for a in tasks:
        row = []
        for b in tasks:
            i, j = t1.index(a), t1.index(b)
            z, c = z1[i][j], c1[i][j]
            if a in t0 and b in t0:
                z -= z0[t0.index(a)][t0.index(b)]
                c -= c0[t0.index(a)][t0.index(b)]
            row.append(z / c)
        out.append(row)
    return out


def ranks(x):
    """Ranks from 0, ties given their mean rank."""
    order = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5


def spearman(x, y):
    return pearson(ranks(x), ranks(y))


def solve(a, b):
    """Solves the square system a x = b by Gaussian elimination."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        p = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[p] = m[p], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [u - f * v for u, v in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def least_squares(xs, y):
    """Coefficients (intercept first) and R² of y = a + sum b_k x_k."""
    rows = [[1.0] + [x[i] for x in xs] for i in range(len(y))]
    k = len(rows[0])
    ata = [[sum(r[p] * r[q] for r in rows) for q in range(k)] for p in range(k)]
    aty = [sum(r[p] * v for r, v in zip(rows, y)) for p in range(k)]
    coef = solve(ata, aty)
    fit = [sum(c * v for c, v in zip(coef, r)) for r in rows]
    my = sum(y) / len(y)
    r2 = 1 - sum((f - v) ** 2 for f, v in zip(fit, y)) / sum((v - my) ** 2 for v in y)
    return coef, r2


def groups(m, tasks, budget):
    """The groups `tag group` selects at budget from the matrix m."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("," + ",".join(tasks) + "\n")
        for t, row in zip(tasks, m):
            f.write(t + "," + ",".join(repr(v) for v in row) + "\n")
    try:
        out = subprocess.run([TAG, "group", "-affinity", f.name, "-budget", str(budget)],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    line = out.strip().splitlines()[1]
    return frozenset(frozenset(g.split()) for g in line[line.index("{") + 1:-1].split("} {"))


def show(gs):
    return " ".join("{" + " ".join(sorted(g)) + "}" for g in sorted(gs, key=sorted))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.split("\n\n")[1])
    d, added, budget = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
    lengths = [int(w) for w in sys.argv[4].split(",")]
    with open(os.path.join(d, "without", "run.json")) as f:
        saved = json.load(f)
    old, steps = saved["tasks"], saved["steps"]
    tasks = old + added
    for w in lengths:
        for name, extra in (("E", []), ("L", ["-warm"])):
            out = f"{name}{w}"
            if not os.path.exists(os.path.join(d, out, "run.json")):
                subprocess.run([TAG, "update", "-from", "without", "-add", ",".join(added), "-steps", str(w),
                                "-refresh", "-budget", str(budget), "-out", out] + extra,
                               cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sums = lambda run: os.path.join(d, run, "affinity-sums.json")
    scratch = [means(sums(f"scratch{s}"), tasks) for s in (1, 2, 3)]
    full = means(sums("without"), old)
    n, no = len(tasks), len(old)
    new = [(i, j) for i in range(n) for j in range(n) if i != j and (i >= no or j >= no)]
    olds = [(i, j) for i in range(no) for j in range(no) if i != j]
    win = {(k, w): window(sums("without"), sums(f"{k}{w}"), tasks) for k in "EL" for w in lengths}
    ref = groups(scratch[0], tasks, budget)

    def agree(m):
        rs = [spearman([m[i][j] for i, j in new], [s[i][j] for i, j in new]) for s in scratch]
        return sum(rs) / 3, rs

    def matrix(value):
        """Saved means for the old pairs, value(i, j) for the added ones."""
        return [[0.0 if i == j else full[i][j] if i < no and j < no else value(i, j) for j in range(n)]
                for i in range(n)]

    def line(label, pct, m, note=""):
        mean, rs = agree(m)
        g = groups(m, tasks, budget)
        same = "= scratch1" if g == ref else show(g)
        print(f"| {label} | {pct:.1f} | {mean:.3f} ({' '.join(f'{r:.2f}' for r in rs)}) | {same} | {note}")

    yard = [spearman([scratch[a][i][j] for i, j in new], [scratch[b][i][j] for i, j in new])
            for a, b in ((0, 1), (0, 2), (1, 2))]
    print(f"{d}: added {','.join(added)}; {len(new)} ordered pairs involve them; a from-scratch run: {steps} steps")
    print(f"yardstick (each two from-scratch runs): {sum(yard) / 3:.3f} ({' '.join(f'{r:.2f}' for r in yard)}); "
          f"scratch1's groups at {budget}: {show(ref)}\n")
    print(f"| estimate of the added pairs | steps % | Spearman vs scratch1-3: mean (each) | groups at {budget} | fit on the old pairs |")
    print("| --- | ---: | --- | --- | --- |")
    for k in "EL":
        for w in lengths:
            m = win[k, w]
            line(f"{k} {w} steps alone", 100 * w / steps, matrix(lambda i, j: m[i][j]))
    for we in lengths:
        for wl in lengths:
            if we + wl > 0.3 * steps:
                continue
            e, l = win["E", we], win["L", wl]
            coef, r2 = least_squares([[e[i][j] for i, j in olds], [l[i][j] for i, j in olds]],
                                     [full[i][j] for i, j in olds])
            m = matrix(lambda i, j: coef[0] + coef[1] * e[i][j] + coef[2] * l[i][j])
            line(f"a + b·E{we} + c·L{wl}", 100 * (we + wl) / steps, m,
                 f"b={coef[1]:+.2f} c={coef[2]:+.2f} R²={r2:.2f}")


if __name__ == "__main__":
    main()
