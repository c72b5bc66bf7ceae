#!/usr/bin/python3
"""PyTorch counterpart of `tag bench throughput`: the same models, batch
shapes and step definitions, timed on the CPU with 1 and 2 threads, so that
the ratio of the Go backend to PyTorch can be measured on any machine.

A plain step is: forward pass, per-task mean sigmoid cross-entropy, their
sum, backward pass, SGD with momentum 0.9 (v <- 0.9 v + g; w <- w - lr v).
An affinity step also measures Eq. 1 of TAG on its batch, as mtl does: the
gradient of each task's loss with respect to the shared (trunk) weights,
the lookahead trunk w - lr g_i for each task i, every task's loss after
each lookahead (Z[i, j] = 1 - L_j(after i) / L_j(before)), the gradient
cosines, and the training update built from the per-task gradients (the
heads take one more backward pass).

Usage: /usr/bin/python3 scripts/bench_torch.py [--models mlp,cnn,resnet,glyphs,mnist]
       [--tasks N] [--steps N] [--threads 1,2]
Prints one line per model and thread count:
  torch MODEL THREADS TASKS BATCH PLAIN_MS AFFINITY_MS
(Debian: apt-get install python3-torch libopenblas0-pthread.)
"""
import argparse
import time

import torch
import torch.nn.functional as F

# name: (input shape [C, H, W] or [D], trunk, batch, default tasks)
MODELS = {
    "mlp": ((128,), ("mlp", [512, 512]), 256, 8),
    "cnn": ((3, 64, 64), ("cnn", [16, 32], [64]), 64, 9),
    "resnet": ((3, 64, 64), ("resnet", 16, [64]), 64, 9),
    "glyphs": ((1, 16, 16), ("mlp", [16]), 64, 9),  # flattened 256 inputs
    "mnist": ((1, 28, 28), ("cnn", [16, 32], [64]), 64, 6),
}


def glorot(fan_in, fan_out, *shape):
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    return (torch.rand(*shape) * 2 - 1) * limit


def build(name, n_tasks):
    """Returns (trunk params, head params, trunk function, input shape, batch)."""
    shape, spec, batch, default = MODELS[name]
    n = n_tasks or default
    trunk, layers = [], []
    kind = spec[0]
    if kind == "mlp":
        width = 1
        for d in shape:
            width *= d
        for w in spec[1]:
            trunk += [glorot(width, w, w, width), torch.zeros(w)]
            layers.append("dense")
            width = w
    else:
        c, h, _ = shape
        convs = spec[1] if kind == "cnn" else [spec[1]] * 3
        for k, ch in enumerate(convs):
            trunk += [glorot(9 * c, 9 * ch, ch, c, 3, 3), torch.zeros(ch)]
            stride = 2 if kind == "cnn" or k == 0 else 1
            layers.append(("conv", stride))
            if stride == 2:
                h = (h - 1) // 2 + 1
            c = ch
        width = c * h * h if kind == "cnn" else c
        for w in spec[2]:
            trunk += [glorot(width, w, w, width), torch.zeros(w)]
            layers.append("dense")
            width = w
    heads = []
    for _ in range(n):
        heads += [glorot(width, 1, 1, width), torch.zeros(1)]

    def trunk_fn(params, x):
        h = x
        it = iter(zip(params[0::2], params[1::2]))
        if kind == "mlp":
            h = h.reshape(h.shape[0], -1)
            for w, b in it:
                h = F.relu(F.linear(h, w, b))
            return h
        if kind == "cnn":
            for w, b in (next(it) for _ in spec[1]):
                h = F.relu(F.conv2d(h, w, b, stride=2, padding=1))
            h = h.reshape(h.shape[0], -1)
        else:
            w, b = next(it)
            h = F.relu(F.conv2d(h, w, b, stride=2, padding=1))
            w, b = next(it)
            r = F.relu(F.conv2d(h, w, b, padding=1))
            w, b = next(it)
            h = F.relu(h + F.conv2d(r, w, b, padding=1))
            h = h.mean(dim=(2, 3))
        for w, b in it:
            h = F.relu(F.linear(h, w, b))
        return h

    return trunk, heads, trunk_fn, shape, batch, n


def losses(trunk_fn, trunk, heads, x, y):
    h = trunk_fn(trunk, x)
    out = []
    for j in range(len(heads) // 2):
        z = F.linear(h, heads[2 * j], heads[2 * j + 1]).reshape(-1)
        out.append(F.binary_cross_entropy_with_logits(z, y[:, j]))
    return out


def sgd(params, grads, vel, lr, mu=0.9):
    with torch.no_grad():
        for p, g, v in zip(params, grads, vel):
            v.mul_(mu).add_(g)
            p.sub_(lr * v)


def plain_step(m, x, y, lr):
    trunk, heads, fn, vel = m
    params = trunk + heads
    for p in params:
        p.requires_grad_(True)
    ls = losses(fn, trunk, heads, x, y)
    grads = torch.autograd.grad(sum(ls), params)
    sgd(params, grads, vel, lr)


def affinity_step(m, x, y, lr):
    trunk, heads, fn, vel = m
    for p in trunk + heads:
        p.requires_grad_(True)
    base = losses(fn, trunk, heads, x, y)
    n = len(base)
    g = [torch.autograd.grad(base[i], trunk, retain_graph=True) for i in range(n)]
    with torch.no_grad():
        before = torch.stack(base)
        z = torch.empty(n, n)
        for i in range(n):
            ahead = [p - lr * gi for p, gi in zip(trunk, g[i])]
            z[i] = 1 - torch.stack(losses(fn, ahead, heads, x, y)) / before
        flat = torch.stack([torch.cat([t.reshape(-1) for t in gi]) for gi in g])
        unit = flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-30)
        cos = unit @ unit.T
        shared = [sum(gi[k] for gi in g) for k in range(len(trunk))]
    head_grads = torch.autograd.grad(sum(base), heads)
    sgd(trunk + heads, list(shared) + list(head_grads), vel, lr)
    return z, cos


def time_model(name, n_tasks, steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    trunk, heads, fn, shape, batch, n = build(name, n_tasks)
    vel = [torch.zeros_like(p) for p in trunk + heads]
    m = (trunk, heads, fn, vel)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 2, (batch, n)).float()
    lr = 0.01
    plain_step(m, x, y, lr)  # warm-up, as the Go side compiles first
    affinity_step(m, x, y, lr)
    t = [0.0, 0.0]
    done = 0
    while done < steps:  # alternate blocks of 5, as mtl.MeasureThroughput does
        k = min(5, steps - done)
        for which, f in enumerate((plain_step, affinity_step)):
            start = time.perf_counter()
            for _ in range(k):
                f(m, x, y, lr)
            t[which] += time.perf_counter() - start
        done += k
    return n, batch, 1000 * t[0] / steps, 1000 * t[1] / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--tasks", type=int, default=0, help="binary heads per model (0: each model's own)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    for name in a.models.split(","):
        if name not in MODELS:
            ap.error(f"--models: unknown model {name!r} (want {', '.join(MODELS)})")
        for th in (int(s) for s in a.threads.split(",")):
            n, batch, p, f = time_model(name, a.tasks, a.steps, th)
            print(f"torch {name} {th} {n} {batch} {p:.3f} {f:.3f}", flush=True)


if __name__ == "__main__":
    main()
