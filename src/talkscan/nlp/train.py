"""Training of the analyzer's heads (`talkscan train moves`; until the CLI has it:
`python -m talkscan.nlp.train data models`).

Data: data/dialogues/train (the project's labelled meetings), each also as two ASR-degraded
copies. With --casino, CaSiNo's self-need/other-need utterances join as asks (other labels masked);
off by default because it did not move dev ask F1 (0.861 without, 0.863 at weight 0.3). 20% of the training meetings are held back to pick decision
thresholds; the heads are then refitted on all training meetings. data/dialogues/dev is never
trained on: its scores are returned and recorded in models/moves.json.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..progress import ProgressFn, no_progress
from ..transcript import TOPICS
from .conflicts import AskInfo, candidate_pairs, conflict_dim, conflict_features, read_ask
from .dialogues import Meeting, casino_meetings, load_dir, load_second_annotation
from .evaluate import evaluate, renderings
from .features import SEARCH, meeting_features
from .heads import Head, train_linear, train_linear_multilabel
from .recipe import ASK_CUTS
from .spacy_components import annotate

MOVE_LABELS = ["similarity", "future_vision", "emotional_labeling", "ask", "restate"]
PAIR_LABELS = ["none", "paraphrase", "mirroring"]
DIRECTION_LABELS = ["more", "less", "null"]
RELEASE = "1"
CASINO_WEIGHT = 0.3
AUGMENT_COPIES = 2


@dataclass
class Rows:
    utt_x: list = field(default_factory=list)
    y_moves: list = field(default_factory=list)
    mask: list = field(default_factory=list)
    weight: list = field(default_factory=list)
    pair_x: list = field(default_factory=list)
    y_pair: list = field(default_factory=list)
    pair_groups: list = field(default_factory=list)   # (meeting copy, utterance i, candidate j, gold kind, gold target)
    utt_keys: list = field(default_factory=list)      # (meeting copy, utterance i) of each utt_x row
    utt_text: list = field(default_factory=list)      # the text of each utt_x row
    ask_text: list = field(default_factory=list)
    ask_emb: list = field(default_factory=list)
    y_topic: list = field(default_factory=list)
    y_dir: list = field(default_factory=list)
    ask_keys: list = field(default_factory=list)      # (meeting copy, turn, speaker, has a number) of each ask row
    conf_x: list = field(default_factory=list)
    y_conf: list = field(default_factory=list)
    conf_text: list = field(default_factory=list)     # (ask text, ask text) of each conf_x row
    conf_groups: list = field(default_factory=list)   # (meeting copy, turn, speaker, turn, speaker) of each conf_x row

    def extend(self, other: "Rows") -> "Rows":
        for k in self.__dataclass_fields__:
            getattr(self, k).extend(getattr(other, k))
        return self

    def stack(self, name: str) -> np.ndarray:
        v = getattr(self, name)
        return np.concatenate(v) if v and isinstance(v[0], np.ndarray) and v[0].ndim == 2 else np.asarray(v)


def _gold(turn, kind):
    for t in turn.tags:
        if t.get("type") == kind:
            return t
    return None


def add_meeting(rows: Rows, m: Meeting, texts: list[str], emb: np.ndarray, copy_id: int, weight: float = 1.0,
                search: tuple[int, int] | None = None) -> None:
    docs = annotate(texts)
    feats = meeting_features(m.speakers, texts, emb, docs, search=search)
    only_asks = m.source == "casino"
    n = len(texts)
    y = np.zeros((n, len(MOVE_LABELS)), dtype=np.float32)
    for i, turn in enumerate(m.turns):
        types = {t.get("type") for t in turn.tags}
        for k, lab in enumerate(MOVE_LABELS):
            y[i, k] = float(lab in types or (lab == "restate" and bool(types & {"paraphrase", "mirroring"})))
    mask = np.zeros_like(y)
    mask[:, MOVE_LABELS.index("ask")] = 1.0
    if not only_asks:
        mask[:] = 1.0
    rows.utt_x.append(feats.utt_x)
    rows.utt_keys.extend((copy_id, i) for i in range(n))
    rows.utt_text.extend(texts)
    rows.y_moves.append(y)
    rows.mask.append(mask)
    rows.weight.extend([weight] * n)
    if only_asks:
        return
    for (i, j), x in zip(feats.pairs, feats.pair_x):
        kind, target = 0, None
        for k, lab in ((1, "paraphrase"), (2, "mirroring")):
            g = _gold(m.turns[i], lab)
            if g is not None:
                target = g.get("target")
                if target == j:
                    kind = k
        rows.pair_x.append(x[None, :])
        rows.y_pair.append(kind)
        gk = 1 if _gold(m.turns[i], "paraphrase") else 2 if _gold(m.turns[i], "mirroring") else 0
        rows.pair_groups.append((copy_id, i, j, gk, target))
    asks = []
    for i, turn in enumerate(m.turns):
        g = _gold(turn, "ask")
        if g is None or g.get("topic") not in TOPICS:
            continue
        rows.ask_text.append(texts[i])
        rows.ask_emb.append(feats.emb[i][None, :])
        rows.y_topic.append(TOPICS.index(g["topic"]))
        rows.y_dir.append(DIRECTION_LABELS.index(g.get("direction") or "null"))
        rows.ask_keys.append((copy_id, i, m.speakers[i], bool(feats.spacy_x[i][2])))
        asks.append(AskInfo(i, m.speakers[i], g["topic"], g.get("direction"), texts[i], bool(feats.spacy_x[i][2])))
    for a, b in candidate_pairs(asks):
        rows.conf_x.append(conflict_features(asks[a], asks[b], feats.emb[asks[a].index], feats.emb[asks[b].index])[None, :])
        rows.y_conf.append(m.conflict_target(asks[a].index, asks[b].index))
        rows.conf_text.append((asks[a].text, asks[b].text))
        rows.conf_groups.append((copy_id, asks[a].index, asks[a].speaker, asks[b].index, asks[b].speaker))


def copy_key(meeting: int, rendering: int) -> int:
    """The key of one rendering of one meeting in Rows' keys; rendering 0 is the text as written."""
    return meeting * 10 + rendering


def is_written_text(copy: int) -> bool:
    """Is this copy (`copy_key`) the meeting's text as written, not an ask cut or an ASR rendering?"""
    return copy % 10 == 0


def build_rows(meetings: list[Meeting], cache, copies: int, seed: int, progress: ProgressFn,
               ask_cuts: bool = False, search: tuple[int, int] | None = None) -> list[Rows]:
    """One Rows per meeting (its clean text, with `ask_cuts` its ask-cut text, and `copies` ASR
    renderings), so subsets are cheap to merge; `search` widens the pair rows' candidates as
    features.meeting_features does."""
    # CaSiNo is typed chat, not speech: its clean text only.
    variants = [vs[:1] if m.source == "casino" else vs
                for m, vs in zip(meetings, renderings(meetings, copies, seed, ask_cuts))]
    # One encoder pass over everything new, so the cache is written once.
    cache.encode([t for vs in variants for texts in vs for t in texts], progress)
    parts = []
    for k, (m, vs) in enumerate(zip(meetings, variants)):
        rows = Rows()
        for c, texts in enumerate(vs):
            add_meeting(rows, m, texts, cache.encode(texts), copy_id=copy_key(k, c),
                        weight=CASINO_WEIGHT if m.source == "casino" else 1.0, search=search)
        parts.append(rows)
        progress("features", k + 1, len(meetings))
    return parts


def merge(parts: list[Rows]) -> Rows:
    out = Rows()
    for p in parts:
        out.extend(p)
    return out


def fit_heads(rows: Rows, encode_fn, seed: int = 0) -> dict[str, Head]:
    from .bow import fit_vocab
    from .features import ask_inputs

    heads = {}
    # Logistic regressions beat a one-hidden-layer MLP on the dev split for every move and for
    # the pairs (the MLP overfits the embedding product features of a few hundred restatements).
    heads["moves"] = train_linear_multilabel("moves", rows.stack("utt_x"), rows.stack("y_moves"), MOVE_LABELS, c=0.3,
                                             sample_weight=rows.stack("weight"), mask=rows.stack("mask"))
    heads["pairs"] = train_linear("pairs", rows.stack("pair_x"), rows.stack("y_pair"), PAIR_LABELS, c=0.3)
    vocab = fit_vocab(rows.ask_text)
    ax = ask_inputs(rows.ask_text, rows.stack("ask_emb"), vocab, encode_fn)
    heads["asks_topic"] = train_linear("asks_topic", ax, rows.stack("y_topic"), list(TOPICS), c=10.0, meta={"vocab": vocab})
    heads["asks_direction"] = train_linear("asks_direction", ax, rows.stack("y_dir"), DIRECTION_LABELS, c=3.0,
                                           meta={"vocab": "asks_topic"})   # shares the topic head's vocabulary
    heads["asks_conflicts"] = train_linear("asks_conflicts", rows.stack("conf_x"), rows.stack("y_conf"),
                                           ["no", "conflict"], c=1.0)
    return heads


def _best_of_grid(f1_at, default: float = 0.5) -> tuple[float, float]:
    """The threshold on the grid with the highest F1 (`f1_at(threshold)`), the lowest on ties."""
    best = (default, -1.0)
    for th in np.arange(0.2, 0.95, 0.025):
        f = f1_at(th)
        if f > best[1] + 1e-9:
            best = (float(th), f)
    return best


def _f1_of(tp: float, n_pred: int, n_gold: float) -> float:
    return 2 * tp / (n_pred + n_gold) if n_gold else 0.0


def _best_threshold(scores: np.ndarray, hits: np.ndarray, n_gold: int, default: float = 0.5) -> tuple[float, float]:
    """Threshold maximising F1 where `hits` marks predictions that would be correct (or, for soft
    targets, how many annotators would count them correct, 0..1; `n_gold` is then their sum)."""
    def f1_at(th):
        pred = scores >= th
        return _f1_of(float((pred * hits).sum()), int(pred.sum()), n_gold)

    return _best_of_grid(f1_at, default)


def _best_conflict_threshold(scores: np.ndarray, y: np.ndarray, groups: list[tuple]) -> tuple[float, float]:
    """Like _best_threshold, but judged after the analyzer's own decision rule (conflicts.decide),
    which drops a restated ask's repeat of a conflict and keeps at most two per ask: tuning on raw
    pairs would pick a threshold for decisions the analyzer never makes."""
    from collections import defaultdict

    from .conflicts import decide

    by_meeting: dict = defaultdict(list)
    for r, (copy_id, ia, sa, ib, sb) in enumerate(groups):
        by_meeting[copy_id].append((r, ia, sa, ib, sb))
    meetings = []
    for rs in by_meeting.values():
        turns = sorted({(ia, sa) for _, ia, sa, _, _ in rs} | {(ib, sb) for _, _, _, ib, sb in rs})
        pos = {t: k for k, t in enumerate(turns)}
        asks = [AskInfo(i, s, "other", None, "") for i, s in turns]
        pairs = [(r, pos[ia, sa], pos[ib, sb]) for r, ia, sa, ib, sb in rs]
        meetings.append((asks, pairs, {(a, b): r for r, a, b in pairs}))   # the last: each pair's row

    def f1_at(th):
        kept = []
        for asks, rs, row in meetings:
            kept += [row[a, b] for a, b, _ in decide([(a, b, float(scores[r])) for r, a, b in rs if scores[r] >= th], asks)]
        return _f1_of(float(y[kept].sum()) if kept else 0.0, len(kept), float(y.sum()))

    return _best_of_grid(f1_at)


MIX_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
PAIR_RESTATE_WEIGHTS = (0.0, 0.25, 0.5, 0.75)


def tune_thresholds(heads: dict[str, Head], rows: Rows, utt_moves: np.ndarray | None = None) -> dict:
    """Decision thresholds on held-back rows; with `utt_moves` (the utterance model's probabilities
    for the same rows, from a model that never saw them) also each move's mixing weight."""
    p = heads["moves"].predict_proba(rows.stack("utt_x"))
    y = rows.stack("y_moves")
    mask = rows.stack("mask")
    th, mix, alone = {}, {}, {}
    for k, lab in enumerate(MOVE_LABELS):
        keep = mask[:, k] > 0
        best = (-1.0, 0.5, 0.0)
        for w in MIX_WEIGHTS if utt_moves is not None else (0.0,):
            pk = p[keep, k] if utt_moves is None else (1 - w) * p[keep, k] + w * utt_moves[keep, k]
            t, f = _best_threshold(pk, y[keep, k] > 0, int(y[keep, k].sum()))
            if w == 0.0:
                alone[lab] = t
            if f > best[0] + 1e-9:
                best = (f, t, w)
        th[lab], mix[lab] = best[1], best[2]
    # Pairs: per utterance the best candidate of each kind; a hit needs the right kind and target.
    pp = heads["pairs"].predict_proba(rows.stack("pair_x"))
    # A pair's score may lean on the utterance-level restate probability (linear head mixed with the
    # utterance model): it sees the whole turn's wording, the pair head only overlap and distance.
    kr = MOVE_LABELS.index("restate")
    wr = mix.get("restate", 0.0) if utt_moves is not None else 0.0
    p_restate = (1 - wr) * p[:, kr] + (wr * utt_moves[:, kr] if utt_moves is not None else 0.0)
    restate_of = dict(zip(rows.utt_keys, p_restate.tolist()))
    pair_th, pair_rw = {}, {}
    for k, kind in ((1, "paraphrase"), (2, "mirroring")):
        choice = (-1.0, 0.5, 0.0)
        for beta in PAIR_RESTATE_WEIGHTS:
            best: dict[tuple, tuple[float, bool]] = {}
            gold_n = set()
            for (copy_id, i, j, gk, target), pr in zip(rows.pair_groups, pp):
                key = (copy_id, i)
                if gk == k:
                    gold_n.add(key)
                score = (1 - beta) * pr[k] + beta * restate_of[key]
                if score > best.get(key, (-1.0, False))[0]:
                    best[key] = (float(score), gk == k and target == j)
            s_ = np.asarray([v[0] for v in best.values()])
            h = np.asarray([v[1] for v in best.values()])
            t, f = _best_threshold(s_, h, len(gold_n))
            if f > choice[0] + 1e-9:
                choice = (f, t, beta)
        pair_th[kind], pair_rw[kind] = choice[1], choice[2]
    gate, gate_f1 = tune_restate_gate(rows, pp, restate_of, pair_th, pair_rw)
    pc = heads["asks_conflicts"].predict_proba(rows.stack("conf_x"))[:, 1]
    yc = rows.stack("y_conf")
    conf_th = _best_threshold(pc, yc, float(yc.sum()))[0]
    # The linear heads' own thresholds, for when the utterance model is not installed.
    return {"moves": th, "moves_alone": alone, "pairs": pair_th, "pair_restate_weight": pair_rw,
            "restate_gate": gate, "restate_gate_f1": gate_f1, "conflicts": conf_th, "mix": mix}


RESTATE_GATES = (None, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9)


def tune_restate_gate(rows: Rows, pp: np.ndarray, restate_of: dict, pair_th: dict, pair_rw: dict):
    """The restate probability above which a turn with no passing pair is still a paraphrase
    (restatements.choose, then its rules, as the analyzer decides), by the mean of paraphrase F1
    with and without the target required, on the held-back meetings' clean text. Their simulated
    speech-recognition renderings are scored too, for the record, but do not choose: they strip the
    casing and punctuation the restate probability reads, which Whisper keeps, and on real recorded
    meetings the clean text's gate did as well or better (the card has the figures)."""
    from collections import defaultdict

    from .restatements import apply_rules, choose

    texts: dict = defaultdict(list)   # per meeting copy, its utterances in order
    for (copy_id, _), text in zip(rows.utt_keys, rows.utt_text):
        texts[copy_id].append(text)
    by_copy: dict = defaultdict(lambda: ([], [], {}))
    gold: dict = {}
    for (copy_id, i, j, gk, target), pr in zip(rows.pair_groups, pp):
        pairs, probs, rs = by_copy[copy_id]
        pairs.append((i, j))
        probs.append(pr)
        rs[i] = restate_of[(copy_id, i)]
        gold[copy_id, i] = (gk, target)
    scores = {}
    for rendering in ("clean", "simulated_asr"):
        copies = {c for c in by_copy if is_written_text(c) == (rendering == "clean")}
        n_gold = sum(1 for (c, _), (gk, _) in gold.items() if gk == 1 and c in copies)
        score = {}
        for gate in RESTATE_GATES:
            tp = tp_target = n = 0
            for copy_id in copies:
                pairs, probs, rs = by_copy[copy_id]
                chosen = apply_rules(choose(pairs, probs, rs, pair_th, pair_rw, gate), texts[copy_id])
                for i, (_, kind, j, _) in chosen.items():
                    if kind == "paraphrase":
                        n += 1
                        tp += gold[copy_id, i][0] == 1
                        tp_target += gold[copy_id, i] == (1, j)
            # Both count: finding the paraphrase (the move's F1) and naming what it restates.
            f_type, f_target = (2 * t / max(1, n + n_gold) for t in (tp, tp_target))
            score[str(gate)] = {"type": round(f_type, 4), "target": round(f_target, 4),
                                "mean": round((f_type + f_target) / 2, 4)}
        scores[rendering] = score
    clean = scores["clean"]
    gate = max(RESTATE_GATES, key=lambda g: clean[str(g)]["mean"] + (1e-9 if g is None else 0.0))   # ties: no gate
    return gate, scores


def tune_ask_mix(heads: dict[str, Head], rows: Rows, utt_pred: dict, encode_fn,
                 ask_pred: dict | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Weights of the utterance model's topic and direction probabilities, then of the ask model's
    on top of that mix, by accuracy on the held-back rows' gold asks; and the mixed probabilities of
    those asks (what the analyzer would read), by "topic" and "direction"."""
    from .features import ask_inputs

    ax = ask_inputs(rows.ask_text, rows.stack("ask_emb"), heads["asks_topic"].meta["vocab"], encode_fn)
    out: dict = {}
    if ask_pred is not None:
        out["ask_model"] = {}
    def best_mix(p, q, gold):
        """The weight of q against p with the best accuracy (ties: nearest ½), all accuracies."""
        acc = {w: float((((1 - w) * p + w * q).argmax(1) == gold).mean()) for w in MIX_WEIGHTS}
        return max(MIX_WEIGHTS, key=lambda w: (acc[w], -abs(w - 0.5))), acc

    probs = {}
    for name, head, gold in (("topic", heads["asks_topic"], rows.stack("y_topic")),
                             ("direction", heads["asks_direction"], rows.stack("y_dir"))):
        p = head.predict_proba(ax)
        u = np.asarray([utt_pred[t][name] for t in rows.ask_text], dtype=np.float32)
        out[name], out[name + "_accuracy"] = best_mix(p, u, gold)
        probs[name] = (1 - out[name]) * p + out[name] * u
        if ask_pred is not None:
            a = np.asarray([ask_pred[t][name] for t in rows.ask_text], dtype=np.float32)
            w, out["ask_model"][name + "_accuracy"] = best_mix(probs[name], a, gold)
            out["ask_model"][name] = w
            probs[name] = (1 - w) * probs[name] + w * a
    return out, probs


def read_conflict_x(heads: dict[str, Head], rows: Rows, probs: dict[str, np.ndarray]) -> np.ndarray:
    """The held-back pairs' conflict features as the analyzer builds them at run time: from the
    asks' predicted topic and direction probabilities (`probs`, tune_ask_mix's), not the gold
    labels the head was fitted on."""
    emb = rows.stack("ask_emb")
    asks = {(copy_id, i): (r, read_ask(i, speaker, text, has_number, probs["topic"][r], probs["direction"][r],
                                       heads["asks_topic"].labels, heads["asks_direction"].labels))
            for r, ((copy_id, i, speaker, has_number), text) in enumerate(zip(rows.ask_keys, rows.ask_text))}
    out = []
    for copy_id, ia, _, ib, _ in rows.conf_groups:
        (ra, a), (rb, b) = asks[copy_id, ia], asks[copy_id, ib]
        out.append(conflict_features(a, b, emb[ra], emb[rb]))
    return np.stack(out) if out else np.zeros((0, conflict_dim()), dtype=np.float32)


def tune_conflict_mix(heads: dict[str, Head], rows: Rows, ce_pred: dict[str, float] | None,
                      conf_x: np.ndarray | None = None) -> dict:
    """Weight of the conflict cross-encoder (model A's scores of the held-back pairs, both orders;
    None: the head alone) against the linear head, and the decision threshold, by conflict-pair F1
    on held-back rows (their features `conf_x` where given, else the gold ones)."""
    from .conflict_train import pair_text

    p = heads["asks_conflicts"].predict_proba(rows.stack("conf_x") if conf_x is None else conf_x)[:, 1]
    y = rows.stack("y_conf")
    if ce_pred is None:
        got = {0.0: _best_conflict_threshold(p, y, rows.conf_groups)}
    else:
        ce = np.asarray([0.5 * (ce_pred[pair_text(a, b)] + ce_pred[pair_text(b, a)]) for a, b in rows.conf_text])
        got = {w: _best_conflict_threshold((1 - w) * p + w * ce, y, rows.conf_groups) for w in MIX_WEIGHTS}
    w = max(got, key=lambda k: (got[k][1], -abs(k - 0.5)))
    # got[0.0] is the head alone: its threshold is the one to use where the cross-encoder is not installed
    return {"weight": w, "threshold": got[w][0], "threshold_alone": got[0.0][0],
            "tune_f1": {str(k): round(v[1], 4) for k, v in got.items()}}


def install_conflict_model(run_dir: Path, out_dir: Path) -> dict[str, float] | None:
    """Copy the conflict cross-encoder (conflict_train.py's output, beside the utterance model's)
    into `out_dir` with its SHA-256; returns model A's scores of the held-back pairs, or None
    where the folder has no conflict model."""
    if not (Path(run_dir) / "conflict.safetensors").is_file():
        return None
    return _install_run(run_dir, out_dir, "conflict", "conflict model output incomplete",
                        keep=("recipes_on_held_back_pairs",))[1]


def install_ask_model(run_dir: Path, out_dir: Path) -> dict[str, dict] | None:
    """Copy the ask model (`utterance_train.py --kind ask`'s output, beside the utterance model's)
    into `out_dir`; returns model A's topic and direction probabilities by text, or None where the
    folder has no ask model."""
    if not (Path(run_dir) / "ask.safetensors").is_file():
        return None
    pred = _install_run(run_dir, out_dir, "ask", "ask model output incomplete", keep=("labels",))[1]
    return {t: {"topic": tp, "direction": d} for t, tp, d in zip(pred["texts"], pred["topic"], pred["direction"])}


def _frozen_part(layers: list[int]) -> str:
    """What the fine-tuned model keeps of the bundled encoder."""
    first = min(layers)
    return f"all-MiniLM-L6-v2 ({f'layers 0-{first - 1}' if first else 'word embeddings'} as bundled)"


def _install_run(run_dir: Path, out_dir: Path, stem: str, problem: str, keep: tuple[str, ...]) -> tuple[dict, dict]:
    """Copy `stem`.safetensors from a fine-tuning output folder into `out_dir` and write `stem`.json
    (layers, hyperparameters, sizes, the run's `keep` entries, SHA-256); returns the run's record
    and model A's held-back predictions."""
    import json
    import shutil

    from ..weights import file_sha256

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    try:
        run = json.loads((run_dir / f"{stem}_train.json").read_text())
        pred = json.loads((run_dir / f"{stem}_pred_A.json").read_text())
    except (OSError, ValueError) as e:
        raise InputError(f"{problem}: {e}", path=str(run_dir)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = out_dir / f"{stem}.safetensors"
    if (run_dir / weights.name).resolve() != weights.resolve():
        shutil.copyfile(run_dir / weights.name, weights)
    meta = {"name": stem, "finetuned_layers": run["hyperparameters"]["finetuned_layers"],
            "hyperparameters": run["hyperparameters"], "rows": {"fit (model A)": run["fit_rows"], "all (shipped)": run["all_rows"]},
            **{k: run.get(k) for k in keep},
            "encoder": _frozen_part(run["hyperparameters"]["finetuned_layers"]), "sha256": file_sha256(weights)}
    (out_dir / f"{stem}.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return run, pred


def apply_thresholds(heads: dict[str, Head], th: dict) -> None:
    heads["moves"].meta["thresholds"] = th["moves"]
    heads["moves"].meta["thresholds_alone"] = th["moves_alone"]
    heads["pairs"].meta["thresholds"] = th["pairs"]
    heads["pairs"].meta["restate_weight"] = th["pair_restate_weight"]
    heads["pairs"].meta["restate_gate"] = th["restate_gate"]
    heads["asks_conflicts"].meta["threshold"] = th["conflicts"]
    if "conflicts_alone" in th:   # tuned beside a cross-encoder: the head's own, for when it is missing
        heads["asks_conflicts"].meta["threshold_alone"] = th["conflicts_alone"]


def tune_split(n_meetings: int, seed: int = 0) -> list[int]:
    """Indices of the training meetings held back to tune thresholds (20%, shuffled by `seed`)."""
    order = list(range(n_meetings))
    random.Random(seed).shuffle(order)
    return order[: max(1, n_meetings // 5)]


def _shared_data(dialogues_dir: Path) -> Path:
    """<repo root>/../shared/data, found from <repo root>/data/dialogues."""
    env = os.environ.get("TALKSCAN_SHARED_DATA")
    return Path(env) if env else dialogues_dir.resolve().parents[2] / "shared" / "data"


def install_utterance_model(utterance_dir: Path, out_dir: Path) -> dict:
    """Copy the fine-tuned utterance model (utterance_train.py's output folder) into `out_dir`
    with its metadata and SHA-256; returns model A's probabilities by text."""
    _, pred = _install_run(utterance_dir, out_dir, "utterance", "not a fine-tuning output folder", keep=("labels",))
    return {t: {"moves": m, "topic": tp, "direction": d, "emotion": e}
            for t, m, tp, d, e in zip(pred["texts"], pred["moves"], pred["topic"], pred["direction"], pred["emotion"])}


def _macro_f1(pred: np.ndarray, gold: np.ndarray, classes=None) -> float:
    classes = np.unique(gold) if classes is None else classes
    f = [2 * float(((pred == k) & (gold == k)).sum()) / max(1.0, float((pred == k).sum() + (gold == k).sum()))
         for k in classes]
    return float(np.mean(f))


# Emotion mixing is tuned on a few thousand held-back turns, ~80% neutral: categories with fewer
# examples than this (disgust: a handful) would make macro-F1 swing on one turn, so they are left
# out of the objective and keep a zero offset; offsets stay within +-1 (a factor of e).
EMOTION_MIN_SUPPORT = 20
EMOTION_OFFSETS = np.arange(-1.0, 1.01, 0.25)


def _fit_emotion_mix(goemotions: np.ndarray, meeting: np.ndarray, gold: np.ndarray, classes: list[int],
                     offsets: bool = True) -> dict:
    """The weight (and, with `offsets`, per-category log offsets by coordinate ascent) that maximise
    macro-F1 over `classes` on these rows."""
    from .utterance import mix_emotions

    def score_of(w, off):
        return _macro_f1(mix_emotions(goemotions, meeting, {"weight": w, "offsets": off}).argmax(1), gold, classes)

    best = {"weight": 0.0, "offsets": [0.0] * goemotions.shape[1], "tune_macro_f1": -1.0}
    for w in MIX_WEIGHTS:
        off = np.zeros(goemotions.shape[1])
        score = score_of(w, off)
        for _ in range(2 if offsets else 0):
            for k in classes:
                for v in EMOTION_OFFSETS:
                    trial = off.copy()
                    trial[k] = v
                    f = score_of(w, trial)
                    if f > score + 1e-9:
                        score, off = f, trial
        if score > best["tune_macro_f1"]:
            best = {"weight": w, "offsets": [round(float(x), 3) for x in off], "tune_macro_f1": round(score, 4)}
    return best


def tune_emotion_mix(goemotions: np.ndarray, meeting: np.ndarray, gold: np.ndarray,
                     groups: np.ndarray | None = None, folds: int = 5, seed: int = 0) -> dict:
    """Weight of the meeting-speech emotion head against the GoEmotions model, and per-category log
    offsets, for macro-F1 on held-back meetings. With `groups` (each row's meeting), the offsets are
    kept only if they beat the weight alone under cross-validation by meeting: fitted on a few
    thousand mostly neutral turns, they chase noise (two seeds of one model gave sadness -0.75 and +0.75)."""
    from .utterance import mix_emotions

    counts = np.bincount(gold, minlength=goemotions.shape[1])
    classes = [k for k in range(goemotions.shape[1]) if counts[k] >= EMOTION_MIN_SUPPORT]
    cv = None
    if groups is not None:
        groups = np.asarray(groups)
        ids = list(np.unique(groups))
        random.Random(seed).shuffle(ids)
        cv = {}
        for name, with_offsets in (("offsets", True), ("weight_only", False)):
            pred = np.zeros(len(gold), dtype=int)
            for part in np.array_split(np.asarray(ids), folds):
                te = np.isin(groups, part)
                mix = _fit_emotion_mix(goemotions[~te], meeting[~te], gold[~te], classes, with_offsets)
                pred[te] = mix_emotions(goemotions[te], meeting[te], mix).argmax(1)
            cv[name] = round(_macro_f1(pred, gold, classes), 4)
    best = _fit_emotion_mix(goemotions, meeting, gold, classes, offsets=cv is None or cv["offsets"] > cv["weight_only"])
    if cv is not None:
        best["cross_validated_macro_f1"] = cv
    best["goemotions_only_tune_macro_f1"] = round(_macro_f1(goemotions.argmax(1), gold, classes), 4)
    best["categories_scored"] = [int(k) for k in classes]
    return best


def training_meetings(data_dir: Path) -> tuple[Path, list[Meeting]]:
    """The labelled dialogues' folder (`data_dir` or its `dialogues/`) and its training meetings;
    an error naming the folder where there are too few to train on (say, run from elsewhere than
    the repository, where the default `data/dialogues` is missing)."""
    data_dir = Path(data_dir)
    dlg = data_dir / "dialogues" if (data_dir / "dialogues").is_dir() else data_dir
    train = load_dir(dlg / "train") if (dlg / "train").is_dir() else []
    if len(train) < 3:
        raise InputError("need at least 3 labelled meetings in train/ to train (--data names the folder of "
                         "labelled dialogues)", path=str(dlg / "train"))
    return dlg, train


def train_moves(data_dir: Path, out_dir: Path, progress: ProgressFn = no_progress, use_casino: bool = False,
                seed: int = 0, copies: int = AUGMENT_COPIES, utterance_dir: Path | None = None,
                second_annotation: Path | None = None, cross_encoder: bool = False, ask_cuts: bool = ASK_CUTS) -> dict:
    """Train every head of the analyzer from `data_dir` (the repo's data/ folder) into `out_dir`
    (models/); returns dev-split metrics (clean and ASR-degraded text). With `utterance_dir` (the
    output of utterance_train.py), the fine-tuned utterance model is installed beside the heads
    and mixed with them by weights tuned on the held-back meetings; with `cross_encoder` too, that
    folder's conflict cross-encoder is mixed with the conflict head (not shipped: see the card)."""
    from .analyzer import Analyzer
    from .embed_cache import EmbeddingCache

    import torch

    # Small batches on a shared 2-core machine: one thread is ~20x faster than two fighting for cores.
    torch.set_num_threads(1)
    data_dir = Path(data_dir)
    if utterance_dir is not None:   # fail before minutes of feature building, not after
        missing = [f for f in ("utterance.safetensors", "utterance_train.json", "utterance_pred_A.json")
                   if not (Path(utterance_dir) / f).is_file()]
        if missing:
            raise InputError(f"not an output folder of `talkscan train utterance` (missing {', '.join(missing)})",
                             path=str(utterance_dir))
    dlg, train = training_meetings(data_dir)
    dev = load_dir(dlg / "dev") if (dlg / "dev").is_dir() else []
    if second_annotation is not None:
        # The conflict head learns the share of annotators who call a pair a conflict, and its
        # threshold is tuned against both. Not used for the shipped heads: see the card.
        load_second_annotation(train, second_annotation)
    extra: list[Meeting] = []
    casino = _shared_data(dlg) / "casino" / "casino_train.json"
    if use_casino and casino.is_file():
        extra = casino_meetings(casino)
    cache = EmbeddingCache()

    tune_ids = tune_split(len(train), seed)
    tune_set = [train[i] for i in tune_ids]
    # Features of every meeting once; the threshold fit and the final fit take subsets.
    # Ask cuts teach the fitted heads only; the held-back meetings are tuned on as people wrote them.
    parts = build_rows(train + extra, cache, copies, seed, progress, ask_cuts)
    fit_rows = merge([p for k, p in enumerate(parts) if k not in tune_ids])
    # ...and over the candidates the analyzer searches (the heads are fitted on the training window).
    tune_rows = merge(build_rows(tune_set, cache, 1, seed + 1, progress, search=SEARCH))
    fit_a = fit_heads(fit_rows, cache.encode, seed)
    utt_model, utt_pred, utt_moves, ask_mix, ask_model = None, None, None, None, None
    ce_model, conflict_mix = None, None
    if utterance_dir is not None:
        from .utterance import load_utterance_model
        utt_pred = install_utterance_model(Path(utterance_dir), Path(out_dir))
        utt_model = load_utterance_model(Path(out_dir))
        # tune_rows' utterance rows are, per held-back meeting, its clean text then one rendering
        tune_variants = renderings(tune_set, 1, seed + 1)
        tune_texts = [t for vs in tune_variants for texts in vs for t in texts]
        utt_moves = np.asarray([utt_pred[t]["moves"] for t in tune_texts], dtype=np.float32)
        ask_pred = install_ask_model(Path(utterance_dir), Path(out_dir))
        if ask_pred is not None:
            from .ask_model import load_ask_model
            ask_model = load_ask_model(Path(out_dir))
        ask_mix, ask_probs = tune_ask_mix(fit_a, tune_rows, utt_pred, cache.encode, ask_pred)
        from ..transcript import EMOTIONS
        from .emotion import emotion_scores

        # each tune text's gold emotion and held-back meeting, in tune_texts' order
        gold_emotion, meeting_of = (np.asarray(v) for v in zip(*[
            (EMOTIONS.index(t.emotion), k) for k, (m, vs) in enumerate(zip(tune_set, tune_variants))
            for _ in vs for t in m.turns]))
        emotion_mix = tune_emotion_mix(emotion_scores(tune_texts),
                                       np.asarray([utt_pred[t]["emotion"] for t in tune_texts], dtype=np.float32),
                                       gold_emotion, groups=meeting_of)
        # Conflicts are tuned on the held-back asks as the analyzer will read them (predicted topics
        # and directions): a threshold tuned on gold labels cut the uncertain pairs (see the card).
        conf_x = read_conflict_x(fit_a, tune_rows, ask_probs)
        ce_pred = install_conflict_model(Path(utterance_dir), Path(out_dir)) if cross_encoder else None
        if ce_pred is None:
            for stale in ("conflict.safetensors", "conflict.json"):   # from an earlier run with it
                (Path(out_dir) / stale).unlink(missing_ok=True)
            conflict_mix = tune_conflict_mix(fit_a, tune_rows, None, conf_x)
        else:
            from .conflict_model import load_conflict_model
            ce_model = load_conflict_model(Path(out_dir))
            conflict_mix = tune_conflict_mix(fit_a, tune_rows, ce_pred, conf_x)
            gold = tune_conflict_mix(fit_a, tune_rows, ce_pred)
            conflict_mix["on_gold_labels"] = {k: gold[k] for k in ("weight", "threshold", "tune_f1")}
    thresholds = tune_thresholds(fit_a, tune_rows, utt_moves)
    if conflict_mix is not None:
        thresholds["conflicts"] = conflict_mix["threshold"]
    if ce_model is not None:
        thresholds["conflicts_alone"] = conflict_mix["threshold_alone"]
    heads = fit_heads(merge(parts), cache.encode, seed)
    apply_thresholds(heads, thresholds)
    if utt_model is not None:
        heads["moves"].meta["utterance_mix"] = {"moves": thresholds["mix"], "topic": ask_mix["topic"],
                                                "direction": ask_mix["direction"], "sha256": utt_model.sha256,
                                                "emotion": emotion_mix,
                                                "tune_accuracy": {k: v for k, v in ask_mix.items() if k.endswith("accuracy")}}
        if ask_model is not None:
            heads["moves"].meta["utterance_mix"]["ask_model"] = {**ask_mix["ask_model"], "sha256": ask_model.sha256}
    if ce_model is not None:
        heads["asks_conflicts"].meta["cross_encoder"] = {"sha256": ce_model.sha256, "weight": conflict_mix["weight"],
                                                         "tune_f1": conflict_mix["tune_f1"],
                                                         "tuned_on": "held-back asks, predicted topics and directions",
                                                         "on_gold_labels": conflict_mix["on_gold_labels"]}
    elif conflict_mix is not None:
        heads["asks_conflicts"].meta["threshold_tuning"] = {"tuned_on": "held-back asks, predicted topics and directions",
                                                            "tune_f1": conflict_mix["tune_f1"]["0.0"]}
    sizes = {"train_meetings": len(train), "train_turns": sum(len(m.turns) for m in train),
             "casino_dialogues": len(extra), "augment_copies": copies, "dev_meetings": len(dev)}
    metrics: dict = {"sizes": sizes, "thresholds": thresholds}
    if dev:
        an = Analyzer(heads=heads, utterance=utt_model, conflict=ce_model, ask=ask_model)
        progress("evaluate", 0, 2)
        metrics["dev_clean"] = evaluate(an, dev, cache.encode)
        metrics["dev_asr"] = evaluate(an, dev, cache.encode, degrade=True)
    for name, h in heads.items():
        h.meta.update({"release": RELEASE, "data": sizes, "encoder": "all-MiniLM-L6-v2",
                       "input": "see talkscan.nlp.features / train.py"})
    heads["moves"].meta["dev_metrics"] = {k: v for k, v in metrics.items() if k.startswith("dev")}
    out_dir = Path(out_dir)
    for h in heads.values():
        h.save(out_dir)
    return metrics


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--casino", action="store_true", help="add CaSiNo need utterances as asks (no dev gain measured)")
    ap.add_argument("--copies", type=int, default=AUGMENT_COPIES)
    ap.add_argument("--utterance", type=Path, default=None,
                    help="output folder of utterance_train.py: install and mix the fine-tuned utterance model")
    ap.add_argument("--second-annotation", type=Path, default=None,
                    help="a second annotator's conflicts (data/agreement/train_second_annotator.json): fit the "
                         "conflict head to the share of annotators (tried, not shipped: see models/moves.md)")
    ap.add_argument("--cross-encoder", action="store_true",
                    help="also mix the --utterance folder's conflict cross-encoder with the conflict head "
                         "(tried, not shipped: see models/moves.md)")
    ap.add_argument("--ask-cuts", action=argparse.BooleanOptionalAction, default=ASK_CUTS,
                    help="also fit the heads on ask turns cut to their ask sentences (evaluate.ask_cut_meeting)")
    a = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    def progress(stage, done, total):
        print(f"\r{stage} {done}/{total}", end="", file=sys.stderr, flush=True)

    m = train_moves(a.data_dir, a.out_dir, progress, use_casino=a.casino, copies=a.copies, utterance_dir=a.utterance,
                    second_annotation=a.second_annotation, cross_encoder=a.cross_encoder, ask_cuts=a.ask_cuts)
    print(file=sys.stderr)
    print(json.dumps(m, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
