"""Fine-tuning of the utterance model (`models/utterance.safetensors`): the top two layers of
all-MiniLM-L6-v2 and four linear heads (moves, ask topic, ask direction, emotion), trained jointly
on the project's labelled meetings while layers 0–3 stay exactly as bundled, so the analyzer runs the
lower layers once for the sentence embedding, this model and the emotion model.

With `--kind ask` it fine-tunes the **ask model** (`models/ask.safetensors`) instead: all six layers
(the word embeddings stay as bundled) with topic and direction heads, on the ask turns alone. It
reads only the turns the analyzer already judged to be asks, so its full pass costs a fraction of
the meeting's, and the lower layers it re-learns are what lifted held-back topic accuracy.

It needs only torch, transformers, safetensors and numpy, so it also runs on a GPU machine that
lacks spaCy: `talkscan.nlp.utterance_data` writes the rows JSON here, then

    python src/talkscan/nlp/utterance_train.py ROWS.json ENCODER_DIR OUT_DIR [--device cuda] [--kind ask]

trains model A on the `fit` rows (80% of the training meetings) and writes its probabilities for
the `predict` texts (the held-back 20%, used to tune how the analyzer mixes this model with its
other heads), then model B on `all` rows, whose weights are what ships.

On a CPU that takes hours, so a run keeps a checkpoint in OUT_DIR after every epoch (and marks model
A done once its probabilities are written): the same command, interrupted, goes on from the last
finished epoch, with the same batches and the same result as a run never stopped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import time
from pathlib import Path

FINETUNED_LAYERS = (4, 5)
MAX_LENGTH = 128
TASKS = ("moves", "topic", "direction", "emotion")
# What each kind of model fine-tunes, which heads it has and which rows it learns from.
KINDS = {
    "utterance": {"layers": FINETUNED_LAYERS, "tasks": TASKS, "asks_only": False},
    "ask": {"layers": (0, 1, 2, 3, 4, 5), "tasks": ("topic", "direction"), "asks_only": True},
}


def _build(encoder_dir: str, sizes: dict[str, int], device: str, layers=FINETUNED_LAYERS):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(encoder_dir, local_files_only=True)
    enc = AutoModel.from_pretrained(encoder_dir, local_files_only=True, dtype=torch.float32).float()
    for p in enc.parameters():
        p.requires_grad = False
    for i in layers:
        for p in enc.encoder.layer[i].parameters():
            p.requires_grad = True
    dim = enc.config.hidden_size
    heads = torch.nn.ModuleDict({name: torch.nn.Linear(dim, n) for name, n in sizes.items()})
    return tok, enc.to(device), heads.to(device)


def _pooled(enc, batch):
    hidden = enc(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def warmup_linear(opt, steps: int):
    """Learning rate up linearly over the first tenth of `steps`, then down linearly to zero."""
    import torch

    warm = max(1, steps // 10)
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)))


LABEL_KEYS = {"moves": "moves", "topic": "topics", "direction": "directions", "emotion": "emotions"}


def fingerprint(rows: list, **recipe) -> str:
    """What a checkpoint was made from: the rows and the recipe. A checkpoint of other rows or
    another recipe is never resumed."""
    h = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode())
    for r in rows:
        h.update(json.dumps(r).encode())
    return h.hexdigest()


def _save_checkpoint(path: Path, done: int, key: str, enc, heads, opt, sched, rng) -> None:
    import torch

    state = {"key": key, "epochs_done": done,
             "encoder": {n: p.detach().cpu() for n, p in enc.named_parameters() if p.requires_grad},
             "heads": {k: v.detach().cpu() for k, v in heads.state_dict().items()},
             "opt": opt.state_dict(), "sched": sched.state_dict(),
             "torch_rng": torch.get_rng_state(), "py_rng": rng.getstate()}
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)   # a run killed while saving keeps the previous checkpoint


def _resume(path: Path, key: str, enc, heads, opt, sched, rng, log) -> int:
    """Epochs already done by the checkpoint at `path` (0 when there is none, or it is another run's)."""
    import torch

    if not path.is_file():
        return 0
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("key") != key:
        log(f"{path.name}: made from other rows or another recipe; starting afresh")
        return 0
    params = dict(enc.named_parameters())
    with torch.no_grad():
        for n, v in state["encoder"].items():
            params[n].copy_(v)
    heads.load_state_dict(state["heads"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    torch.set_rng_state(state["torch_rng"])
    rng.setstate(_as_tuples(state["py_rng"]))
    return int(state["epochs_done"])


def _as_tuples(x):
    return tuple(_as_tuples(v) for v in x) if isinstance(x, (list, tuple)) else x


def fit(rows: list, labels: dict, encoder_dir: str, device: str = "cpu", epochs: int = 4,
        batch_size: int = 32, lr: float = 5e-5, head_lr: float = 2e-3, seed: int = 0, log=print,
        kind: str = "utterance", checkpoint: Path | None = None):
    """rows: [text, [move 0/1 …], topic index or -1, direction index or -1, emotion index or -1].
    With `checkpoint`, the state after each epoch is kept there, and a run that finds one made from
    the same rows and recipe goes on from it. Returns (tok, enc, heads)."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    tasks = KINDS[kind]["tasks"]
    tok, enc, heads = _build(encoder_dir, {t: len(labels[LABEL_KEYS[t]]) for t in tasks}, device,
                             KINDS[kind]["layers"])
    n_e = len(labels["emotions"])
    y = np.asarray([r[1] for r in rows], dtype=np.float32)
    pos = y.sum(0)
    # Balanced-ish: rare moves (a few hundred of 20k rows) would otherwise never fire.
    pos_weight = torch.tensor(np.clip((len(rows) - pos) / np.maximum(pos, 1), 1.0, 15.0), device=device)
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    ce = torch.nn.CrossEntropyLoss(ignore_index=-1)
    # Meeting turns are ~80% neutral: square-root class weights keep the rarer feelings in play.
    counts = np.bincount([r[4] for r in rows if r[4] >= 0], minlength=n_e).astype(np.float64)
    ce_emotion = torch.nn.CrossEntropyLoss(ignore_index=-1, weight=torch.tensor(
        np.sqrt(counts.max() / np.maximum(counts, 1.0)), dtype=torch.float32, device=device))
    params = [{"params": [p for p in enc.parameters() if p.requires_grad], "lr": lr},
              {"params": heads.parameters(), "lr": head_lr}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    sched = warmup_linear(opt, epochs * math.ceil(len(rows) / batch_size))
    start, key = 0, ""
    if checkpoint is not None:
        key = fingerprint(rows, kind=kind, epochs=epochs, batch_size=batch_size, lr=lr, head_lr=head_lr, seed=seed)
        start = _resume(Path(checkpoint), key, enc, heads, opt, sched, rng, log)
        if start:
            log(f"resumed after epoch {start}/{epochs} ({Path(checkpoint).name})")
    enc.train()
    t0 = time.time()
    for ep in range(start, epochs):
        order = list(range(len(rows)))
        rng.shuffle(order)
        total = 0.0
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            batch = tok([rows[i][0] for i in idx], padding=True, truncation=True, max_length=MAX_LENGTH,
                        return_tensors="pt").to(device)
            pooled = _pooled(enc, batch)
            ym = torch.tensor([rows[i][1] for i in idx], dtype=torch.float32, device=device)
            yt = torch.tensor([rows[i][2] for i in idx], device=device)
            yd = torch.tensor([rows[i][3] for i in idx], device=device)
            ye = torch.tensor([rows[i][4] for i in idx], device=device)
            loss = bce(heads["moves"](pooled), ym) if "moves" in heads else pooled.new_zeros(())
            if "topic" in heads and (yt >= 0).any():
                loss = loss + ce(heads["topic"](pooled), yt)
            if "direction" in heads and (yd >= 0).any():
                loss = loss + ce(heads["direction"](pooled), yd)
            if "emotion" in heads and (ye >= 0).any():
                loss = loss + ce_emotion(heads["emotion"](pooled), ye)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        if checkpoint is not None and ep + 1 < epochs:
            _save_checkpoint(Path(checkpoint), ep + 1, key, enc, heads, opt, sched, rng)
        log(f"epoch {ep + 1}/{epochs}: loss {total / len(rows):.4f} ({time.time() - t0:.0f} s)")
    enc.eval()
    return tok, enc, heads


def predict(tok, enc, heads, texts: list[str], device: str = "cpu", batch_size: int = 128) -> dict:
    """{"moves": (n, k) sigmoid, "topic", "direction", "emotion": softmax} as lists, for the heads
    the model has."""
    import torch

    out = {name: [] for name in heads}
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            batch = tok(texts[s : s + batch_size], padding=True, truncation=True, max_length=MAX_LENGTH,
                        return_tensors="pt").to(device)
            pooled = _pooled(enc, batch)
            for name, lin in heads.items():
                act = torch.sigmoid if name == "moves" else (lambda z: torch.softmax(z, -1))
                out[name] += act(lin(pooled)).cpu().tolist()
    return {k: [[round(x, 4) for x in row] for row in v] for k, v in out.items()}


def tune_score(rows: list, pred: dict) -> dict:
    """Model A on the held-back rows: best-threshold F1 per move, topic and direction accuracy on
    the gold asks, for the heads the model has; `score` (their mean) picks the recipe."""
    import numpy as np

    f1s = []
    if "moves" in pred:
        y = np.asarray([r[1] for r in rows], dtype=np.float32)
        p = np.asarray(pred["moves"], dtype=np.float32)
        for k in range(y.shape[1]):
            best = 0.0
            for th in np.arange(0.1, 0.95, 0.025):
                tp = float(((p[:, k] >= th) & (y[:, k] > 0)).sum())
                fp = float(((p[:, k] >= th) & (y[:, k] == 0)).sum())
                fn = float(((p[:, k] < th) & (y[:, k] > 0)).sum())
                best = max(best, 2 * tp / max(1.0, 2 * tp + fp + fn))
            f1s.append(round(best, 4))
    asks = [i for i, r in enumerate(rows) if r[2] >= 0]
    out: dict = {"move_f1": f1s} if f1s else {}
    for name, col in (("topic", 2), ("direction", 3)):
        if name in pred:
            out[name] = round(float(np.mean([np.argmax(pred[name][i]) == rows[i][col] for i in asks])) if asks else 0.0, 4)
    if "emotion" in pred:
        ye = np.asarray([r[4] for r in rows])
        pe = np.asarray(pred["emotion"]).argmax(1)
        emo_f1 = [2 * float(((pe == k) & (ye == k)).sum()) / max(1.0, float((pe == k).sum() + (ye == k).sum()))
                  for k in sorted(set(ye[ye >= 0].tolist()))]
        out["emotion_macro_f1"] = round(float(np.mean(emo_f1)) if emo_f1 else 0.0, 4)
    out["score"] = round(float(np.mean(f1s + [out[k] for k in ("topic", "direction") if k in out])), 4)
    return out


def state_of(enc, heads, layers=FINETUNED_LAYERS) -> dict:
    """The tensors that ship: the fine-tuned layers (fp16, like the emotion model) and the heads."""
    return layer_state({i: enc.encoder.layer[i] for i in layers}, heads)


def layer_state(layers: dict, heads: dict) -> dict:
    """{"encoder.layer.i.*": fp16 tensor} for each fine-tuned layer i, {"name.weight"/"name.bias"}
    (fp32) for each linear head: the layout encoder.load_top_files reads."""
    state = {}
    for i, layer in layers.items():
        for k, v in layer.state_dict().items():
            state[f"encoder.layer.{i}.{k}"] = v.detach().cpu().half().contiguous()
    for name, lin in heads.items():
        state[f"{name}.weight"] = lin.weight.detach().cpu().float().contiguous()
        state[f"{name}.bias"] = lin.bias.detach().cpu().float().contiguous()
    return state


def recipe_parser(description: str, epochs: int, lr: float) -> argparse.ArgumentParser:
    """The command line both fine-tuning scripts share: rows, encoder, output folder, device and the
    recipes to compare (every epochs x lr)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("rows", type=Path)
    ap.add_argument("encoder_dir")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--epochs", type=int, nargs="+", default=[epochs])
    ap.add_argument("--lr", type=float, nargs="+", default=[lr])
    ap.add_argument("--seed", type=int, default=0, help="initialisation and batch order (to measure retraining noise)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = recipe_parser("Fine-tune the utterance model or the ask model (see the module docstring).", 4, 5e-5)
    ap.add_argument("--kind", choices=sorted(KINDS), default="utterance")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N rows (smoke test)")
    a = ap.parse_args(argv)
    from safetensors.torch import save_file

    kind = KINDS[a.kind]
    data = json.loads(a.rows.read_text())
    labels = data["labels"]
    fit_rows, all_rows, tune_rows = data["fit"], data["all"], data["tune"]
    if kind["asks_only"]:
        fit_rows, all_rows, tune_rows = ([r for r in rs if r[2] >= 0] for rs in (fit_rows, all_rows, tune_rows))
    if a.limit:
        fit_rows, all_rows, tune_rows = fit_rows[: a.limit], all_rows[: a.limit], tune_rows[: a.limit]
    a.out_dir.mkdir(parents=True, exist_ok=True)
    # Recipes are compared by model A on the held-back rows; the best one trains model B.
    recipes = [{"epochs": e, "lr": lr} for e in a.epochs for lr in a.lr]
    tune_texts = [r[0] for r in tune_rows]
    # model A done (its probabilities written) in an interrupted run of this very job: not again
    a_key = fingerprint([fit_rows, tune_rows, data["predict"]], kind=a.kind, recipes=recipes, seed=a.seed)
    a_done, pred_a = a.out_dir / f"{a.kind}_A_done.json", a.out_dir / f"{a.kind}_pred_A.json"

    def a_checkpoint(rec: dict) -> Path:   # one per recipe model A tries
        return a.out_dir / f"{a.kind}_A_{rec['epochs']}_{rec['lr']:g}.ckpt"

    done = json.loads(a_done.read_text()) if a_done.is_file() else {}
    if done.get("key") == a_key and pred_a.is_file():
        results, rec = done["results"], done["recipe"]
        print(f"{a.kind} model A {rec}: done in an earlier run", flush=True)
    else:
        results = []
        best = None
        for rec in recipes:
            print(f"{a.kind} model A {rec} on {len(fit_rows)} rows", flush=True)
            tok, enc, heads = fit(fit_rows, labels, a.encoder_dir, a.device, epochs=rec["epochs"], lr=rec["lr"],
                                  kind=a.kind, seed=a.seed, checkpoint=a_checkpoint(rec))
            tune_pred = predict(tok, enc, heads, tune_texts, a.device)
            score = tune_score(tune_rows, tune_pred)
            results.append({**rec, **score})
            print(json.dumps(results[-1]), flush=True)
            if best is None or score["score"] > best[0]["score"]:
                best = (score, rec, predict(tok, enc, heads, data["predict"], a.device))
            del tok, enc, heads
        score, rec, preds = best
        pred_a.write_text(json.dumps({"texts": data["predict"], **preds}))
        a_done.write_text(json.dumps({"key": a_key, "results": results, "recipe": rec}))
        for r in recipes:
            a_checkpoint(r).unlink(missing_ok=True)
    print(f"{a.kind} model B {rec} on {len(all_rows)} rows", flush=True)
    b_ckpt = a.out_dir / f"{a.kind}_B.ckpt"
    tok, enc, heads = fit(all_rows, labels, a.encoder_dir, a.device, epochs=rec["epochs"], lr=rec["lr"], kind=a.kind,
                          seed=a.seed, checkpoint=b_ckpt)
    save_file(state_of(enc, heads, kind["layers"]), str(a.out_dir / f"{a.kind}.safetensors"))
    hp = {**rec, "batch_size": 32, "head_lr": 2e-3, "max_length": MAX_LENGTH, "finetuned_layers": list(kind["layers"]),
          "asks_only": kind["asks_only"], "seed": a.seed}
    (a.out_dir / f"{a.kind}_train.json").write_text(json.dumps({
        "hyperparameters": hp, "labels": labels, "fit_rows": len(fit_rows), "all_rows": len(all_rows),
        "recipes_on_held_back_rows": results}, indent=1))
    b_ckpt.unlink(missing_ok=True)
    a_done.unlink()   # finished: the same command trains afresh
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
