"""Small classifier heads over frozen sentence embeddings: one hidden layer, trained with torch,
stored as safetensors (weights + input standardisation) with a JSON sidecar (labels, feature
layout, thresholds, data sizes), and run with numpy at inference so analysis needs no autograd."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelError


@dataclass
class Head:
    name: str
    labels: list[str]
    multilabel: bool
    params: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)

    def logits(self, x: np.ndarray) -> np.ndarray:
        p = self.params
        z = (np.asarray(x, dtype=np.float32) - p["mean"]) / p["std"]
        h = np.maximum(z @ p["w1"].T + p["b1"], 0.0) if "w1" in p else z   # no w1: a linear head
        return h @ p["w2"].T + p["b2"]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        z = self.logits(x)
        if self.multilabel:
            return 0.5 * (1.0 + np.tanh(0.5 * z))   # the logistic function, without overflow
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    @property
    def version(self) -> str:
        h = hashlib.sha256()
        for k in sorted(self.params):
            h.update(k.encode())
            h.update(np.ascontiguousarray(self.params[k]).tobytes())
        return h.hexdigest()[:10]

    def save(self, models_dir: Path) -> None:
        from safetensors.numpy import save_file

        models_dir.mkdir(parents=True, exist_ok=True)
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in self.params.items()},
                  str(models_dir / f"{self.name}.safetensors"))
        meta = dict(self.meta, name=self.name, labels=self.labels, multilabel=self.multilabel, version=self.version)
        (models_dir / f"{self.name}.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def load_head(models_dir: Path, name: str) -> Head:
    from safetensors.numpy import load_file

    st, js = models_dir / f"{name}.safetensors", models_dir / f"{name}.json"
    if not st.is_file() or not js.is_file():
        raise ModelError(f"classifier head '{name}' is missing; train it with `talkscan train moves`", path=str(st))
    try:
        params = load_file(str(st))
        meta = json.loads(js.read_text())
    except Exception as e:  # noqa: BLE001 - any corrupt file is the same problem to the user
        raise ModelError(f"cannot load classifier head '{name}': {e}", path=str(st)) from e
    head = Head(name=name, labels=list(meta["labels"]), multilabel=bool(meta["multilabel"]), params=params, meta=meta)
    if meta.get("version") and meta["version"] != head.version:
        raise ModelError(f"classifier head '{name}' does not match its metadata (retrain it)", path=str(st))
    return head


def train_head(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    labels: list[str],
    multilabel: bool,
    hidden: int = 128,
    epochs: int = 60,
    lr: float = 2e-3,
    weight_decay: float = 1e-3,
    dropout: float = 0.3,
    sample_weight: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    seed: int = 0,
    meta: dict | None = None,
) -> Head:
    """Fit one head. `y` is (n, k) 0/1 for multi-label, else (n,) class indices. Positive classes are
    re-weighted (multi-label) or classes balanced (single-label) because moves are rare. `mask`
    (n, k) zeroes the loss of labels a source does not annotate (CaSiNo has asks, not paraphrases)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float32)
    mean = x.mean(0)
    std = x.std(0) + 1e-3
    xt = torch.from_numpy((x - mean) / std)
    k = len(labels)
    model = torch.nn.Sequential(
        torch.nn.Dropout(0.1), torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout),
        torch.nn.Linear(hidden, k),
    )
    sw = torch.ones(len(x)) if sample_weight is None else torch.as_tensor(sample_weight, dtype=torch.float32)
    mt = torch.ones(len(x), k) if mask is None else torch.as_tensor(mask, dtype=torch.float32)
    if multilabel:
        yt = torch.as_tensor(y, dtype=torch.float32)
        pos = yt.sum(0).clamp(min=1)
        pos_weight = ((len(yt) - pos) / pos).clamp(max=20).sqrt()
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction="none")
    else:
        yt = torch.as_tensor(y, dtype=torch.long)
        counts = torch.bincount(yt, minlength=k).float().clamp(min=1)
        cw = (counts.sum() / (k * counts)).clamp(max=10).sqrt()
        loss_fn = torch.nn.CrossEntropyLoss(weight=cw, reduction="none")
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    n = len(x)
    bs = 64
    model.train()
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n, bs):
            idx = torch.as_tensor(order[i : i + bs])
            out = model(xt[idx])
            loss = loss_fn(out, yt[idx])
            if multilabel:
                loss = (loss * mt[idx]).sum(1) / mt[idx].sum(1).clamp(min=1)
            loss = (loss * sw[idx]).sum() / sw[idx].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    lin1, lin2 = model[1], model[4]
    params = {
        "mean": mean.astype(np.float32), "std": std.astype(np.float32),
        "w1": lin1.weight.detach().numpy().copy(), "b1": lin1.bias.detach().numpy().copy(),
        "w2": lin2.weight.detach().numpy().copy(), "b2": lin2.bias.detach().numpy().copy(),
    }
    return Head(name=name, labels=list(labels), multilabel=multilabel, params=params, meta=dict(meta or {}))


def train_linear(name: str, x: np.ndarray, y: np.ndarray, labels: list[str], c: float = 1.0,
                 meta: dict | None = None) -> Head:
    """A multinomial logistic regression stored as a Head without hidden layer: on few examples
    with many sparse features (the asks' word n-grams) it beats the MLP. For two labels, `y` may
    be soft (the share of annotators who said the second): each row is then fitted as both
    labels, weighted by those shares."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    weight = None
    if len(labels) == 2 and np.any((y > 0) & (y < 1)):
        p = y.astype(np.float64)
        x, y, weight = np.concatenate([x, x]), np.r_[np.ones(len(p), int), np.zeros(len(p), int)], np.r_[p, 1 - p]
        keep = weight > 0
        x, y, weight = x[keep], y[keep], weight[keep]
    clf = LogisticRegression(C=c, max_iter=3000).fit(x, y.astype(int), sample_weight=weight)
    k = len(labels)
    w = np.zeros((k, x.shape[1]), dtype=np.float32)
    b = np.full(k, -30.0, dtype=np.float32)   # a class absent from training is never predicted
    if len(clf.classes_) == 2:   # sklearn keeps one row for binary problems
        w[clf.classes_[1]], b[clf.classes_[1]] = clf.coef_[0], clf.intercept_[0]
        b[clf.classes_[0]] = 0.0
    else:
        for row, cls in enumerate(clf.classes_):
            w[cls], b[cls] = clf.coef_[row], clf.intercept_[row]
    params = {"mean": np.zeros(x.shape[1], np.float32), "std": np.ones(x.shape[1], np.float32), "w2": w, "b2": b}
    return Head(name=name, labels=list(labels), multilabel=False, params=params, meta=dict(meta or {}))


def train_linear_multilabel(name: str, x: np.ndarray, y: np.ndarray, labels: list[str], c: float = 1.0,
                            sample_weight: np.ndarray | None = None, mask: np.ndarray | None = None,
                            meta: dict | None = None, balanced: bool = True) -> Head:
    """One logistic regression per label, stored as one linear multi-label Head. Rows whose `mask`
    is 0 for a label are left out of that label's fit (a source that does not annotate it)."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, dtype=np.float32)
    k = len(labels)
    w = np.zeros((k, x.shape[1]), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    sw = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    for j in range(k):
        keep = np.ones(len(x), bool) if mask is None else np.asarray(mask)[:, j] > 0
        yj = np.asarray(y)[keep, j] > 0
        if yj.all() or not yj.any():
            b[j] = 30.0 if yj.all() else -30.0
            continue
        # Balanced classes: moves are rare (2-20% of turns), and unweighted fits gave textbook
        # positives phrased unlike the training set probabilities near 0.2.
        clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None)
        clf.fit(x[keep], yj, sample_weight=sw[keep])
        w[j], b[j] = clf.coef_[0], clf.intercept_[0]
    params = {"mean": np.zeros(x.shape[1], np.float32), "std": np.ones(x.shape[1], np.float32), "w2": w, "b2": b}
    return Head(name=name, labels=list(labels), multilabel=True, params=params, meta=dict(meta or {}))
