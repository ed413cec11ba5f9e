"""Fine-tuning of the conflict model (`models/conflict.safetensors`): a cross-encoder that reads two
asks together ("ask A [SEP] ask B") and says whether both can be granted. The linear conflict head
sees each ask only through its own sentence embedding and its topic and direction, which misses
most conflicts across topics ("six deliveries a week" against "the budget covers five"); reading
both asks at once lets attention compare them word by word.

Like the utterance model it fine-tunes only layers 4–5 of all-MiniLM-L6-v2 (layers 0–3 stay as
bundled, so their output is computed once per pair and cached: an epoch costs a third of a full
pass, which makes CPU training practical). It needs only torch, transformers, safetensors and
numpy, so it runs on a GPU machine without the package:

    python src/talkscan/nlp/conflict_train.py ROWS.json ENCODER_DIR OUT_DIR [--device cuda]

ROWS.json is `utterance_data`'s file; its "conflict" entry holds pair rows [text, label] for the
`fit` meetings (80%), `all` meetings, the held-back `tune` meetings and the `predict` texts. Model A
(fit) scores the held-back pairs, which the trainer uses to tune how much the analyzer trusts this
model against the linear head; model B (all) is what ships.
"""

from __future__ import annotations

import json
import math
import random
import time

try:   # inside the package, or run as a script beside utterance_train.py (a GPU machine without it)
    from . import utterance_train as _ut
except ImportError:
    import utterance_train as _ut

FINETUNED_LAYERS = _ut.FINETUNED_LAYERS
MAX_LENGTH = 160
SEP = " [SEP] "


def pair_text(a: str, b: str) -> str:
    """One string for the pair; the tokenizer keeps "[SEP]" as its separator token."""
    return a + SEP + b


def swapped(text: str) -> str:
    a, b = text.split(SEP, 1)
    return pair_text(b, a)


def _load(encoder_dir: str, device: str):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(encoder_dir, local_files_only=True)
    enc = AutoModel.from_pretrained(encoder_dir, local_files_only=True, dtype=torch.float32).float().to(device)
    enc.eval()
    return tok, enc


def lower_states(tok, enc, texts: list[str], device: str, batch_size: int = 64,
                 first: int = FINETUNED_LAYERS[0]) -> list:
    """Input of layer `first` (the output of the frozen layers below it; 0: the word embeddings)
    for each text, trimmed to its tokens (fp16, on `device`)."""
    import torch

    out = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            batch = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=MAX_LENGTH,
                        return_tensors="pt").to(device)
            h = enc(**batch, output_hidden_states=True).hidden_states[first]
            lens = batch["attention_mask"].sum(1).tolist()
            for k, i in enumerate(idx):
                out[i] = h[k, : lens[k]].half().clone()
    return out


def _top(states: list, layers, head, dropout: bool):
    """Pad cached states, run the trainable layers, mean-pool, score (logits)."""
    import torch

    n = max(s.shape[0] for s in states)
    dim = states[0].shape[1]
    h = torch.zeros(len(states), n, dim, dtype=torch.float32, device=states[0].device)
    mask = torch.zeros(len(states), n, dtype=torch.float32, device=states[0].device)
    for k, s in enumerate(states):
        h[k, : s.shape[0]] = s.float()
        mask[k, : s.shape[0]] = 1.0
    ext = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
    for layer in layers:
        layer.train(dropout)
        h = layer(h, attention_mask=ext)
        h = h[0] if isinstance(h, tuple) else h
    m = mask.unsqueeze(-1)
    return head((h * m).sum(1) / m.sum(1).clamp(min=1e-9)).squeeze(-1)


def fit(states: list, labels: list[int], enc, device: str, epochs: int = 6, batch_size: int = 32,
        lr: float = 1e-4, head_lr: float = 2e-3, seed: int = 0, log=print, layer_ids=FINETUNED_LAYERS):
    import copy

    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    layers = torch.nn.ModuleList([copy.deepcopy(enc.encoder.layer[i]) for i in layer_ids]).to(device)
    head = torch.nn.Linear(enc.config.hidden_size, 1).to(device)
    pos = max(1, sum(labels))
    # Few pairs conflict (about one in six): weight them up, capped so noise in them is not amplified.
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(min(6.0, (len(labels) - pos) / pos), device=device))
    opt = torch.optim.AdamW([{"params": layers.parameters(), "lr": lr}, {"params": head.parameters(), "lr": head_lr}],
                            weight_decay=0.01)
    sched = _ut.warmup_linear(opt, epochs * math.ceil(len(states) / batch_size))
    y_all = torch.tensor(labels, dtype=torch.float32, device=device)
    t0 = time.time()
    for ep in range(epochs):
        order = list(range(len(states)))
        rng.shuffle(order)
        total = 0.0
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            loss = bce(_top([states[i] for i in idx], layers, head, dropout=True), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        log(f"epoch {ep + 1}/{epochs}: loss {total / len(states):.4f} ({time.time() - t0:.0f} s)")
    return layers, head


def predict(states: list, layers, head, batch_size: int = 128) -> list[float]:
    import torch

    out: list[float] = []
    with torch.inference_mode():
        for s in range(0, len(states), batch_size):
            out += torch.sigmoid(_top(states[s : s + batch_size], layers, head, dropout=False)).cpu().tolist()
    return [round(x, 4) for x in out]


def both_orders(rows: list) -> list:
    """Each pair also in the other order, so the model never depends on which ask came first."""
    return [r for text, y in rows for r in ([text, y], [swapped(text), y])]


def symmetric(scores: dict, text: str) -> float:
    return 0.5 * (scores[text] + scores[swapped(text)])


def best_f1(scores: list[float], labels: list[int]) -> tuple[float, float]:
    best = (0.0, 0.5)
    n_pos = sum(labels)
    for th in [x / 40 for x in range(4, 38)]:
        tp = sum(s >= th and y for s, y in zip(scores, labels))
        fp = sum(s >= th and not y for s, y in zip(scores, labels))
        f = 2 * tp / max(1, 2 * tp + fp + (n_pos - tp))
        if f > best[0]:
            best = (round(f, 4), th)
    return best


def state_of(layers, head, layer_ids=FINETUNED_LAYERS) -> dict:
    return _ut.layer_state(dict(zip(layer_ids, layers)), {"conflict": head})


def main(argv: list[str] | None = None) -> int:
    ap = _ut.recipe_parser("Fine-tune the conflict cross-encoder (see the module docstring).", 6, 1e-4)
    ap.add_argument("--only-a", action="store_true", help="stop after model A (experiments)")
    ap.add_argument("--first-layer", type=int, default=FINETUNED_LAYERS[0],
                    help="fine-tune the layers from this one up (0: all six)")
    a = ap.parse_args(argv)
    layer_ids = tuple(range(a.first_layer, FINETUNED_LAYERS[-1] + 1))
    from safetensors.torch import save_file

    data = json.loads(a.rows.read_text())["conflict"]
    a.out_dir.mkdir(parents=True, exist_ok=True)
    tok, enc = _load(a.encoder_dir, a.device)
    fit_rows, all_rows = both_orders(data["fit"]), both_orders(data["all"])
    tune_texts = [t for t, _ in both_orders(data["tune"])]
    dev_texts = [t for t, _ in both_orders(data.get("dev", []))]
    texts = sorted({t for t, _ in all_rows} | set(tune_texts) | set(data["predict"]) | set(dev_texts))
    t0 = time.time()
    cached = dict(zip(texts, lower_states(tok, enc, texts, a.device, first=a.first_layer)))
    print(f"{len(texts)} pair texts through the frozen layers in {time.time() - t0:.0f} s", flush=True)
    results, best = [], None
    for rec in [{"epochs": e, "lr": lr} for e in a.epochs for lr in a.lr]:
        print(f"model A {rec} on {len(fit_rows)} rows", flush=True)
        layers, head = fit([cached[t] for t, _ in fit_rows], [y for _, y in fit_rows], enc, a.device,
                           layer_ids=layer_ids, seed=a.seed, **rec)
        sc = dict(zip(tune_texts, predict([cached[t] for t in tune_texts], layers, head)))
        f1, th = best_f1([symmetric(sc, t) for t, _ in data["tune"]], [y for _, y in data["tune"]])
        dev = {}
        if dev_texts:   # for the log only: recipes are chosen on the held-back training pairs
            sd = dict(zip(dev_texts, predict([cached[t] for t in dev_texts], layers, head)))
            ds, dy = [symmetric(sd, t) for t, _ in data["dev"]], [y for _, y in data["dev"]]
            dev = {"dev_f1_at_threshold": best_f1([float(x >= th) for x in ds], dy)[0], "dev_best_f1": best_f1(ds, dy)[0]}
        results.append({**rec, "tune_f1": f1, "tune_threshold": th, **dev})
        print(json.dumps(results[-1]), flush=True)
        if best is None or f1 > best[0]:
            best = (f1, rec, dict(zip(data["predict"], predict([cached[t] for t in data["predict"]], layers, head))))
        del layers, head
    _, rec, preds = best
    (a.out_dir / "conflict_pred_A.json").write_text(json.dumps(preds))
    if a.only_a:
        return 0
    print(f"model B {rec} on {len(all_rows)} rows", flush=True)
    layers, head = fit([cached[t] for t, _ in all_rows], [y for _, y in all_rows], enc, a.device,
                       layer_ids=layer_ids, seed=a.seed, **rec)
    save_file(state_of(layers, head, layer_ids), str(a.out_dir / "conflict.safetensors"))
    hp = {**rec, "batch_size": 32, "head_lr": 2e-3, "max_length": MAX_LENGTH, "finetuned_layers": list(layer_ids),
          "seed": a.seed}
    (a.out_dir / "conflict_train.json").write_text(json.dumps({
        "hyperparameters": hp, "fit_rows": len(fit_rows), "all_rows": len(all_rows),
        "recipes_on_held_back_pairs": results}, indent=1))
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
