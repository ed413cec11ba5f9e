"""The analyzer: fills a Transcript's tags, asks, conflicts and utterance emotions (tags.md).

One encoder batch and one spaCy pass per transcript; the heads in models/ do the deciding:
`moves` (similarity, future_vision, emotional_labeling, ask, restate), `pairs` (is utterance i a
paraphrase or a mirror of recent utterance j by someone else), `asks_topic`, `asks_direction` and
`asks_conflicts` (mixed with a conflict cross-encoder, `conflict_model.py`, where the heads were
trained with one), and the fine-tuned utterance and ask models where installed. Cost is linear in
utterances: each one is paired with at most SEARCH[0] others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..progress import ProgressFn, no_progress
from ..errors import ModelError
from ..transcript import TOPICS, Ask, Conflict, Emotion, Tag, Transcript
from . import conflicts as conflict_rules
from . import ask_prior, reported, restatements
from .labeling import (call_name, names_absent_feeling_only, names_own_feeling_only, normalise, said_and_category,
                       target_speaker)

HEAD_NAMES = ("moves", "pairs", "asks_topic", "asks_direction", "asks_conflicts")
DIRECTION_LABELS = ("more", "less", "null")


def default_models_dir() -> Path:
    env = os.environ.get("TALKSCAN_MODELS")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "models"


@lru_cache(maxsize=4)
def load_heads(models_dir: Path) -> dict:
    from .heads import load_head

    return {name: load_head(models_dir, name) for name in HEAD_NAMES}


@dataclass
class Analysis:
    """Plain result of one meeting, indexed by utterance position."""

    tags: list[list[Tag]]
    asks: list[conflict_rules.AskInfo] = field(default_factory=list)
    ask_scores: list[float] = field(default_factory=list)
    conflicts: list[tuple[int, int, float]] = field(default_factory=list)   # ask indices + score
    pair_evaluations: int = 0


_FROM_DISK = object()


class Analyzer:
    def __init__(self, models_dir: Path | None = None, heads: dict | None = None, utterance=_FROM_DISK,
                 conflict=_FROM_DISK, ask=_FROM_DISK):
        from .ask_model import load_ask_model
        from .conflict_model import load_conflict_model
        from .utterance import load_utterance_model

        self.models_dir = Path(models_dir) if models_dir else default_models_dir()
        # Heads passed in directly let the trainer measure a model before it is saved.
        self.heads = heads if heads is not None else load_heads(self.models_dir)
        self.pair_evaluations = 0
        gate = self.heads["pairs"].meta.get("restate_gate")
        if gate is not None and (isinstance(gate, bool) or not isinstance(gate, (int, float))):
            # a short-lived trainer kept one gate per kind; today's decoding reads one number
            raise ModelError("the pairs head's restate_gate is not a number (an older trainer's); retrain with "
                             "`talkscan train moves`", path=str(self.models_dir / "pairs.json"))
        # The fine-tuned utterance model counts only with the mixing weights tuned for it.
        model = load_utterance_model(self.models_dir) if utterance is _FROM_DISK else utterance
        self.mix = self.heads["moves"].meta.get("utterance_mix")
        if self.mix is not None:
            if model is None or model.sha256 != self.mix.get("sha256"):
                raise ModelError("the moves heads were tuned with another utterance model; retrain with "
                                 "`talkscan train moves`", path=str(self.models_dir / "utterance.safetensors"))
            if model.labels["moves"] != self.heads["moves"].labels:
                raise ModelError("utterance model and moves head disagree on their labels",
                                 path=str(self.models_dir / "utterance.json"))
        self.utterance = model if self.mix is not None else None
        # The ask model mixes into topic and direction only with the utterance model it was tuned beside.
        self.ask_mix = (self.mix or {}).get("ask_model")
        self.ask_model = self._tuned_model(self.ask_mix, ask, load_ask_model, "the moves heads were", "ask")
        # Likewise the conflict cross-encoder, with the weight tuned for it.
        self.conflict_mix = self.heads["asks_conflicts"].meta.get("cross_encoder")
        self.conflict_model = self._tuned_model(self.conflict_mix, conflict, load_conflict_model,
                                                "the conflict head was", "conflict")
        from .emotion_bridge import emotion_model_name
        from .encoder import ENCODER_NAME

        m = self.heads["moves"]
        self.model_names = {
            "encoder": ENCODER_NAME,
            "classifier": f"talkscan-moves-{m.meta.get('release', '1')}-{m.version}",
            "emotion": emotion_model_name(),
        }
        if self.utterance is not None:
            self.model_names["utterance"] = f"talkscan-utterance-{self.utterance.sha256[:10]} (mixed)"
        if self.ask_model is not None:
            self.model_names["ask"] = f"talkscan-ask-{self.ask_model.sha256[:10]} (mixed)"
        if self.conflict_model is not None:
            self.model_names["conflict"] = f"talkscan-conflict-{self.conflict_model.sha256[:10]} (mixed)"

    # -- core on plain lists -------------------------------------------------------------------
    def _tuned_model(self, mix: dict | None, given, load, tuned: str, kind: str):
        """A fine-tuned model that counts only with the mixing weights tuned beside it: None where
        `mix` names none (the file is then not read: the ask model is 21 MB), else the given or
        saved model, whose SHA-256 must be the one `mix` records."""
        if mix is None:
            return None
        model = load(self.models_dir) if given is _FROM_DISK else given
        if model is None or model.sha256 != mix.get("sha256"):
            raise ModelError(f"{tuned} tuned with another {kind} model; retrain with `talkscan train moves`",
                             path=str(self.models_dir / f"{kind}.safetensors"))
        return model

    def analyze(self, speakers: list[str], texts: list[str], names: dict[str, str] | None = None,
                emb: np.ndarray | None = None, progress: ProgressFn = no_progress, encode_fn=None,
                utt: np.ndarray | None = None) -> Analysis:
        """`emb`/`encode_fn` let the trainer and the benchmark reuse cached embeddings; `utt` is the
        utterance model's output for `texts` where the caller already has it."""
        from .encoder import encode_shared
        from .features import SEARCH, ask_inputs, meeting_features
        from .spacy_components import annotate

        n = len(texts)
        names = names or {s: s for s in speakers}
        if n == 0:
            return Analysis(tags=[])
        tops = {"utterance": self.utterance.top} if self.utterance is not None and utt is None else {}
        if emb is None and encode_fn is None:
            emb, outs = encode_shared(texts, tops)
            utt = outs.get("utterance", utt)
        elif tops:
            utt = encode_shared(texts, tops)[1]["utterance"]
        if encode_fn is None:
            from .encoder import encode as encode_fn
        if emb is None:
            emb = encode_fn(texts)
        u_moves = u_topic = u_dir = None
        if self.utterance is not None:
            u_moves, u_topic, u_dir, _ = self.utterance.split(utt)
        progress("nlp", 1, 4)
        docs = annotate(texts)
        feats = meeting_features(speakers, texts, emb, docs, names=names, search=SEARCH)
        progress("nlp", 2, 4)
        h = self.heads
        th = h["moves"].meta["thresholds"]
        if self.utterance is None:   # thresholds tuned for the linear heads' probabilities alone
            th = h["moves"].meta.get("thresholds_alone", th)
        p_moves = h["moves"].predict_proba(feats.utt_x)
        if u_moves is not None:
            w = np.asarray([self.mix["moves"][lab] for lab in h["moves"].labels], dtype=np.float32)
            p_moves = (1.0 - w) * p_moves + w * u_moves
        labels = h["moves"].labels
        k_ask = labels.index("ask")
        p_moves[:, k_ask] = ask_prior.adapt(p_moves[:, k_ask], [len(t.split()) for t in texts])
        tags: list[list[Tag]] = [[] for _ in range(n)]

        # Paraphrase / mirroring: best-scoring candidate among the recent utterances of others.
        self.pair_evaluations = len(feats.pairs)
        if feats.pairs:
            p_pairs = h["pairs"].predict_proba(feats.pair_x)
            restate = p_moves[:, labels.index("restate")]
            chosen = restatements.choose(feats.pairs, p_pairs, restate, h["pairs"].meta["thresholds"],
                                         h["pairs"].meta.get("restate_weight", {}), h["pairs"].meta.get("restate_gate"))
            chosen = restatements.apply_rules(chosen, texts)
            for i, (_, kind, j, score) in chosen.items():
                tags[i].append(Tag(type=kind, target=str(j), score=score))

        ask_rows = []
        calls = {sid: call_name(nm or sid) for sid, nm in names.items()}   # what each is called by
        others = {sp: [c for sid, c in calls.items() if sid != sp] for sp in set(speakers)}
        for i in range(n):
            for k, move in enumerate(labels):
                if move == "restate" or p_moves[i, k] < th[move]:
                    continue
                score = float(p_moves[i, k])
                if move == "emotional_labeling":
                    if (names_own_feeling_only(docs[i]) or reported.feelings_only_quoted(docs[i])
                            or names_absent_feeling_only(docs[i], others[speakers[i]])):
                        continue   # "I'm frustrated", "the board seems nervous": a label names a feeling in the room
                    said, cat = said_and_category(docs[i])
                    who = target_speaker(docs[i], speakers, names, i)
                    if who is None:
                        continue
                    tags[i].append(Tag(type=move, score=score, target=who, said=said, emotion=normalise(said, cat)))
                elif move == "ask":
                    if reported.not_own_ask(docs[i], others[speakers[i]]):
                        continue   # "The vendor wants the PO by Friday, by the way": theirs, passed on
                    ask_rows.append(i)
                else:
                    tags[i].append(Tag(type=move, score=score))
        progress("nlp", 3, 4)

        asks: list[conflict_rules.AskInfo] = []
        ask_scores: list[float] = []
        if ask_rows:
            ax = ask_inputs([texts[i] for i in ask_rows], feats.emb[ask_rows], h["asks_topic"].meta["vocab"], encode_fn)
            pt = h["asks_topic"].predict_proba(ax)
            pd = h["asks_direction"].predict_proba(ax)
            if u_topic is not None:
                wt, wd = self.mix["topic"], self.mix["direction"]
                pt = (1.0 - wt) * pt + wt * u_topic[ask_rows]
                pd = (1.0 - wd) * pd + wd * u_dir[ask_rows]
            if self.ask_model is not None:
                at, ad = self.ask_model.predict([texts[i] for i in ask_rows])
                wt, wd = self.ask_mix["topic"], self.ask_mix["direction"]
                pt = (1.0 - wt) * pt + wt * at
                pd = (1.0 - wd) * pd + wd * ad
            for r, i in enumerate(ask_rows):
                ask = conflict_rules.read_ask(i, speakers[i], texts[i], bool(feats.spacy_x[i][2]), pt[r], pd[r],
                                              h["asks_topic"].labels, h["asks_direction"].labels)
                score = float(p_moves[i, labels.index("ask")])
                tags[i].append(Tag(type="ask", score=score, topic=ask.topic, direction=ask.direction))
                asks.append(ask)
                ask_scores.append(score)

        found = self.find_conflicts(asks, feats.emb)
        progress("nlp", 4, 4)
        return Analysis(tags=tags, asks=asks, ask_scores=ask_scores, conflicts=found,
                        pair_evaluations=len(feats.pairs))

    def find_conflicts(self, asks: list, emb: np.ndarray) -> list[tuple[int, int, float]]:
        """The conflicting pairs of asks (indices into `asks`) and their scores: candidate pairs over
        the threshold, each clash kept once, for the first-stated ask, and at most two per ask
        (conflicts.decide)."""
        cands = conflict_rules.candidate_pairs(asks)
        pc = self.conflict_scores(asks, cands, emb)
        meta = self.heads["asks_conflicts"].meta
        # The threshold is tuned for the head mixed with the cross-encoder; without it, the head's own.
        th = meta["threshold"] if self.conflict_model is not None else meta.get("threshold_alone", meta["threshold"])
        return conflict_rules.decide([(a, b, float(p)) for (a, b), p in zip(cands, pc) if p >= th], asks)

    def conflict_scores(self, asks: list, cands: list[tuple[int, int]], emb: np.ndarray) -> np.ndarray:
        """Conflict probability of each candidate pair of asks: the linear head on the pair's
        features, mixed with the cross-encoder that reads both asks' words where one is installed
        (pairs that cannot reach the threshold keep the head's share alone)."""
        if not cands:
            return np.zeros(0, dtype=np.float32)
        cx = np.stack([conflict_rules.conflict_features(asks[a], asks[b], emb[asks[a].index], emb[asks[b].index])
                       for a, b in cands])
        p = self.heads["asks_conflicts"].predict_proba(cx)[:, 1]
        if self.conflict_model is not None:
            w = float(self.conflict_mix["weight"])
            p = (1.0 - w) * p
            # The cross-encoder reads a pair only where its verdict could lift the pair over the
            # threshold: the same decisions as reading every pair, at a fraction of the cost, which
            # keeps a long meeting with many asks from paying a transformer pass per pair of asks.
            need = np.flatnonzero(p + w >= self.heads["asks_conflicts"].meta["threshold"])
            if len(need):
                p[need] += w * self.conflict_model.scores([(asks[cands[k][0]].text, asks[cands[k][1]].text) for k in need])
        return p

    # -- public API -----------------------------------------------------------------------------
    def transform(self, transcript: Transcript, progress: ProgressFn = no_progress) -> Transcript:
        """Fill every utterance's tags and emotion, and the transcript's asks and conflicts; long
        turns are first cut into utterances the encoder reads whole (long_turns)."""
        from ..long_turns import split_long_turns
        from .nonspeech import spoken_text

        utts = split_long_turns(transcript).utterances
        speakers = [u.speaker for u in utts]
        texts = [spoken_text(u.text) for u in utts]   # the words, without "[inaudible]" and the like
        names = {s.id: s.name or s.id for s in transcript.speakers}
        result, emotions = self.analyze_with_emotions(speakers, texts, names, progress)
        for u, tags in zip(utts, result.tags):
            for t in tags:
                if t.type in ("paraphrase", "mirroring"):
                    t.target = utts[int(t.target)].id
            u.tags = tags
        for u, emo in zip(utts, emotions):
            u.emotion = emo
        transcript.asks = []
        for k, a in enumerate(result.asks):
            transcript.asks.append(Ask(id=f"a{k}", utterance=utts[a.index].id, speaker=a.speaker, topic=a.topic,
                                       direction=a.direction, text=a.text, score=result.ask_scores[k]))
        transcript.conflicts = []
        for a, b, score in result.conflicts:
            x, y = result.asks[a], result.asks[b]
            topic = x.topic if x.topic == y.topic else f"{x.topic}/{y.topic}"
            if topic not in TOPICS:
                topic = x.topic  # report-json's topic field holds one topic; the reason names both
            transcript.conflicts.append(Conflict(
                asks=[f"a{a}", f"a{b}"], speakers=[x.speaker, y.speaker], topic=topic, score=score,
                reason=conflict_rules.reason(x, y, transcript.speaker_label(x.speaker), transcript.speaker_label(y.speaker))))
        transcript.models.update(self.model_names)
        return transcript

    def analyze_with_emotions(self, speakers: list[str], texts: list[str], names: dict[str, str] | None = None,
                              progress: ProgressFn = no_progress, encode_fn=None) -> tuple[Analysis, list[Emotion]]:
        """analyze() and each utterance's emotion from one pass of the encoder's lower layers;
        `encode_fn` (the benchmarks' embedding cache) encodes the ask sentences."""
        if not texts:
            return self.analyze(speakers, texts, names), []
        emb, outs = self._encode_all(texts)
        result = self.analyze(speakers, texts, names, emb=emb, utt=outs.get("utterance"), progress=progress,
                              encode_fn=encode_fn)
        return result, self.emotions_from(outs["emotion"], outs.get("utterance"))

    def emotions_from(self, goemotions: np.ndarray, utt: np.ndarray | None) -> list[Emotion]:
        """Utterance emotions from the GoEmotions model's probabilities and, where the heads carry
        a tuned mix, the utterance model's meeting-speech emotion head."""
        from .emotion import emotions_from_scores
        from .utterance import mix_emotions

        meeting = self.utterance.split(utt)[3] if self.utterance is not None and utt is not None else None
        return emotions_from_scores(mix_emotions(goemotions, meeting, (self.mix or {}).get("emotion")))

    def _encode_all(self, texts: list[str]):
        """Sentence embeddings and the emotion and utterance models' outputs: one pass of the
        encoder's lower layers feeds all three."""
        from .emotion import load_emotion_model
        from .encoder import encode_shared

        tops = {"emotion": load_emotion_model().top}
        if self.utterance is not None:
            tops["utterance"] = self.utterance.top
        return encode_shared(list(texts), tops)

    def emotions(self, texts: list[str]) -> list[Emotion]:
        if not texts:
            return []
        outs = self._encode_all(texts)[1]
        return self.emotions_from(outs["emotion"], outs.get("utterance"))

    def tag_utterance(self, text: str, context: list[tuple[str, str]] = ()) -> list[Tag]:
        """Tags of one utterance said after `context` [(speaker, text), …]; targets are context
        indices as strings ("0" = first context turn) or speaker names."""
        context = list(context)
        speakers = [s for s, _ in context]
        me = "_speaker"
        while me in speakers:
            me += "_"
        speakers.append(me)
        texts = [t for _, t in context] + [text]
        names = {s: s for s in speakers}
        return self.analyze(speakers, texts, names).tags[-1]
