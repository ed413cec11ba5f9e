"""Fine-tuning of the utterance model (`models/utterance.safetensors`): the top two layers of
all-MiniLM-L6-v2 and four linear heads (moves, ask topic, ask direction, emotion), trained jointly
on the project's labelled meetings while layers 0–3 stay exactly as bundled, so the analyzer runs the
lower layers once for the sentence embedding, this model and the emotion model.

It needs only torch, transformers, safetensors and numpy, so it also runs on a GPU machine that
lacks spaCy: `talkscan.nlp.utterance_data` writes the rows JSON here, then

    python src/talkscan/nlp/utterance_train.py ROWS.json ENCODER_DIR OUT_DIR [--device cuda]

trains model A on the `fit` rows (80% of the training meetings) and writes its probabilities for
the `predict` texts (the held-back 20%, used to tune how the analyzer mixes this model with its
other heads), then model B on `all` rows, whose weights are what ships.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

FINETUNED_LAYERS = (4, 5)
MAX_LENGTH = 128


def _build(encoder_dir: str, n_moves: int, n_topics: int, n_dirs: int, n_emotions: int, device: str):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(encoder_dir, local_files_only=True)
    enc = AutoModel.from_pretrained(encoder_dir, local_files_only=True, dtype=torch.float32).float()
    for p in enc.parameters():
        p.requires_grad = False
    for i in FINETUNED_LAYERS:
        for p in enc.encoder.layer[i].parameters():
            p.requires_grad = True
    dim = enc.config.hidden_size
    heads = torch.nn.ModuleDict({
        "moves": torch.nn.Linear(dim, n_moves),
        "topic": torch.nn.Linear(dim, n_topics),
        "direction": torch.nn.Linear(dim, n_dirs),
        "emotion": torch.nn.Linear(dim, n_emotions),
    })
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


def fit(rows: list, labels: dict, encoder_dir: str, device: str = "cpu", epochs: int = 4,
        batch_size: int = 32, lr: float = 5e-5, head_lr: float = 2e-3, seed: int = 0, log=print):
    """rows: [text, [move 0/1 …], topic index or -1, direction index or -1, emotion index or -1].
    Returns (tok, enc, heads)."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    n_m, n_t, n_d, n_e = (len(labels[k]) for k in ("moves", "topics", "directions", "emotions"))
    tok, enc, heads = _build(encoder_dir, n_m, n_t, n_d, n_e, device)
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
    enc.train()
    t0 = time.time()
    for ep in range(epochs):
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
            loss = bce(heads["moves"](pooled), ym)
            if (yt >= 0).any():
                loss = loss + ce(heads["topic"](pooled), yt)
            if (yd >= 0).any():
                loss = loss + ce(heads["direction"](pooled), yd)
            ye = torch.tensor([rows[i][4] for i in idx], device=device)
            if (ye >= 0).any():
                loss = loss + ce_emotion(heads["emotion"](pooled), ye)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        log(f"epoch {ep + 1}/{epochs}: loss {total / len(rows):.4f} ({time.time() - t0:.0f} s)")
    enc.eval()
    return tok, enc, heads


def predict(tok, enc, heads, texts: list[str], device: str = "cpu", batch_size: int = 128) -> dict:
    """{"moves": (n, k) sigmoid, "topic", "direction", "emotion": softmax} as lists."""
    import torch

    out = {"moves": [], "topic": [], "direction": [], "emotion": []}
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            batch = tok(texts[s : s + batch_size], padding=True, truncation=True, max_length=MAX_LENGTH,
                        return_tensors="pt").to(device)
            pooled = _pooled(enc, batch)
            out["moves"] += torch.sigmoid(heads["moves"](pooled)).cpu().tolist()
            out["topic"] += torch.softmax(heads["topic"](pooled), -1).cpu().tolist()
            out["direction"] += torch.softmax(heads["direction"](pooled), -1).cpu().tolist()
            out["emotion"] += torch.softmax(heads["emotion"](pooled), -1).cpu().tolist()
    return {k: [[round(x, 4) for x in row] for row in v] for k, v in out.items()}


def tune_score(rows: list, pred: dict) -> dict:
    """Model A on the held-back rows: best-threshold F1 per move, topic and direction accuracy on
    the gold asks; `score` (their mean) picks the recipe."""
    import numpy as np

    y = np.asarray([r[1] for r in rows], dtype=np.float32)
    p = np.asarray(pred["moves"], dtype=np.float32)
    f1s = []
    for k in range(y.shape[1]):
        best = 0.0
        for th in np.arange(0.1, 0.95, 0.025):
            tp = float(((p[:, k] >= th) & (y[:, k] > 0)).sum())
            fp = float(((p[:, k] >= th) & (y[:, k] == 0)).sum())
            fn = float(((p[:, k] < th) & (y[:, k] > 0)).sum())
            best = max(best, 2 * tp / max(1.0, 2 * tp + fp + fn))
        f1s.append(round(best, 4))
    asks = [i for i, r in enumerate(rows) if r[2] >= 0]
    topic = float(np.mean([np.argmax(pred["topic"][i]) == rows[i][2] for i in asks])) if asks else 0.0
    direction = float(np.mean([np.argmax(pred["direction"][i]) == rows[i][3] for i in asks])) if asks else 0.0
    ye = np.asarray([r[4] for r in rows])
    pe = np.asarray(pred["emotion"]).argmax(1)
    emo_f1 = [2 * float(((pe == k) & (ye == k)).sum()) / max(1.0, float((pe == k).sum() + (ye == k).sum()))
              for k in sorted(set(ye[ye >= 0].tolist()))]
    emotion = float(np.mean(emo_f1)) if emo_f1 else 0.0
    return {"move_f1": f1s, "topic": round(topic, 4), "direction": round(direction, 4),
            "emotion_macro_f1": round(emotion, 4), "score": round(float(np.mean(f1s + [topic, direction])), 4)}


def state_of(enc, heads) -> dict:
    """The tensors that ship: the fine-tuned layers (fp16, like the emotion model) and the heads."""
    return layer_state({i: enc.encoder.layer[i] for i in FINETUNED_LAYERS}, heads)


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
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = recipe_parser("Fine-tune the utterance model (see the module docstring).", 4, 5e-5)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N rows (smoke test)")
    a = ap.parse_args(argv)
    from safetensors.torch import save_file

    data = json.loads(a.rows.read_text())
    labels = data["labels"]
    fit_rows, all_rows = data["fit"], data["all"]
    if a.limit:
        fit_rows, all_rows = fit_rows[: a.limit], all_rows[: a.limit]
        data["tune"] = data["tune"][: a.limit]
    a.out_dir.mkdir(parents=True, exist_ok=True)
    # Recipes are compared by model A on the held-back rows; the best one trains model B.
    recipes = [{"epochs": e, "lr": lr} for e in a.epochs for lr in a.lr]
    tune_texts = [r[0] for r in data["tune"]]
    results = []
    best = None
    for rec in recipes:
        print(f"model A {rec} on {len(fit_rows)} rows", flush=True)
        tok, enc, heads = fit(fit_rows, labels, a.encoder_dir, a.device, epochs=rec["epochs"], lr=rec["lr"])
        tune_pred = predict(tok, enc, heads, tune_texts, a.device)
        score = tune_score(data["tune"], tune_pred)
        results.append({**rec, **score})
        print(json.dumps(results[-1]), flush=True)
        if best is None or score["score"] > best[0]["score"]:
            best = (score, rec, predict(tok, enc, heads, data["predict"], a.device))
        del tok, enc, heads
    score, rec, preds = best
    (a.out_dir / "utterance_pred_A.json").write_text(json.dumps({"texts": data["predict"], **preds}))
    print(f"model B {rec} on {len(all_rows)} rows", flush=True)
    tok, enc, heads = fit(all_rows, labels, a.encoder_dir, a.device, epochs=rec["epochs"], lr=rec["lr"])
    save_file(state_of(enc, heads), str(a.out_dir / "utterance.safetensors"))
    hp = {**rec, "batch_size": 32, "head_lr": 2e-3, "max_length": MAX_LENGTH, "finetuned_layers": list(FINETUNED_LAYERS)}
    (a.out_dir / "utterance_train.json").write_text(json.dumps({
        "hyperparameters": hp, "labels": labels, "fit_rows": len(fit_rows), "all_rows": len(all_rows),
        "recipes_on_held_back_rows": results}, indent=1))
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
