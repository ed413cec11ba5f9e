"""Test helpers: labelled meetings (data/dialogues/FORMAT.md shape) turned into analysed
Transcripts, the reports built from them, and headless Chromium for the browser tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from talkscan.transcript import Ask, Conflict, Emotion, Speaker, Tag, Transcript, Utterance

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def dialogue_to_transcript(d: dict, seconds_per_word: float | None = 0.4, source: str | None = None) -> Transcript:
    """A labelled meeting as the analyzer would leave it: gold tags, asks and conflicts filled in.
    With `seconds_per_word` the turns get back-to-back times; None leaves the transcript untimed."""
    names = list(dict.fromkeys(list(d.get("speakers", {})) + [t["speaker"] for t in d["turns"]]))
    sid = {n: f"S{i}" for i, n in enumerate(names)}
    utts, asks, first_ask = [], [], {}
    clock = 0.0
    for i, turn in enumerate(d["turns"]):
        uid = f"u{i}"
        start = end = None
        if "start" in turn and "end" in turn and seconds_per_word is not None:
            start, end = float(turn["start"]), float(turn["end"])  # a recording's reference times
        elif seconds_per_word is not None:
            start = clock
            end = clock + max(1.0, len(turn["text"].split()) * seconds_per_word)
            clock = end + 0.3
        tags = []
        for tg in turn.get("tags", []):
            target = tg.get("target")
            if tg["type"] in ("paraphrase", "mirroring"):
                target = f"u{target}"
            elif tg["type"] == "emotional_labeling":
                target = sid.get(target, target)
            tags.append(
                Tag(
                    type=tg["type"],
                    target=target,
                    topic=tg.get("topic"),
                    direction=tg.get("direction"),
                    emotion=tg.get("emotion"),
                    said=tg.get("said"),
                )
            )
            if tg["type"] == "ask":
                aid = f"a{len(asks)}"
                first_ask.setdefault(i, aid)
                asks.append(Ask(aid, uid, sid[turn["speaker"]], tg["topic"], tg.get("direction"), turn["text"]))
        utts.append(
            Utterance(
                id=uid,
                turn=i,
                speaker=sid[turn["speaker"]],
                text=turn["text"],
                start=start,
                end=end,
                emotion=Emotion(turn.get("emotion", "neutral"), 0.9),
                tags=tags,
            )
        )
    by_id = {a.id: a for a in asks}
    conflicts = []
    for c in d.get("conflicts", []):
        a, b = (first_ask[i] for i in c["turns"])
        topics = {by_id[a].topic, by_id[b].topic}
        conflicts.append(
            Conflict(
                asks=[a, b],
                speakers=[by_id[a].speaker, by_id[b].speaker],
                topic=by_id[a].topic if len(topics) == 1 else "other",
                reason=c.get("reason", ""),
            )
        )
    return Transcript(
        source=source or f"{d.get('id', 'meeting')}.txt",
        kind="transcript",
        speakers=[Speaker(sid[n], n) for n in names],
        utterances=utts,
        duration_s=utts[-1].end if utts and seconds_per_word is not None else None,
        asks=asks,
        conflicts=conflicts,
    )


def ask(topic, direction):
    return {"type": "ask", "topic": topic, "direction": direction}


# A renewal meeting written for these tests: Greg paraphrases everything (overuse), Maya labels
# Tom's feelings again and again (overuse, same person), Priya never acknowledges Tom in their
# timeline conflict, and nobody paints the shared future.
SAMPLE = {
    "id": "test-renewal",
    "speakers": {"Maya": "procurement", "Greg": "sales", "Tom": "IT", "Priya": "PM"},
    "turns": [
        {"speaker": "Maya", "text": "We need the year-one price under four twenty, that's my mandate.", "emotion": "neutral",
         "tags": [ask("price", "less")]},  # 0
        {"speaker": "Greg", "text": "So you're capped at four twenty for year one.", "emotion": "neutral",
         "tags": [{"type": "paraphrase", "target": 0}]},  # 1
        {"speaker": "Greg", "text": "For the full suite we need at least four sixty.", "emotion": "neutral",
         "tags": [ask("price", "more")]},  # 2
        {"speaker": "Tom", "text": "IT needs twelve weeks for the rollout, not six.", "emotion": "fear",
         "tags": [ask("timeline", "more")]},  # 3
        {"speaker": "Greg", "text": "If I hear you right, six weeks is not realistic for your team.", "emotion": "neutral",
         "tags": [{"type": "paraphrase", "target": 3}]},  # 4
        {"speaker": "Maya", "text": "Tom, you sound worn out by this whole rollout.", "emotion": "neutral",
         "tags": [{"type": "emotional_labeling", "target": "Tom", "said": "worn out", "emotion": "fear"}]},  # 5
        {"speaker": "Priya", "text": "Go-live stays on March first, the board has it in the plan.", "emotion": "anger",
         "tags": [ask("timeline", "less")]},  # 6
        {"speaker": "Greg", "text": "So the date is fixed by the board.", "emotion": "neutral",
         "tags": [{"type": "paraphrase", "target": 6}]},  # 7
        {"speaker": "Tom", "text": "The board has it in the plan?", "emotion": "surprise",
         "tags": [{"type": "mirroring", "target": 6}]},  # 8
        {"speaker": "Maya", "text": "Tom, I sense you're frustrated with that date.", "emotion": "neutral",
         "tags": [{"type": "emotional_labeling", "target": "Tom", "said": "frustrated", "emotion": "anger"}]},  # 9
        {"speaker": "Greg", "text": "In other words, Tom, you'd rather slip than rush it.", "emotion": "neutral",
         "tags": [{"type": "paraphrase", "target": 8}]},  # 10
        {"speaker": "Maya", "text": "We all want this live before the audit, that's common ground.", "emotion": "joy",
         "tags": [{"type": "similarity"}]},  # 11
        {"speaker": "Greg", "text": "What you're saying is the audit is the real deadline.", "emotion": "neutral",
         "tags": [{"type": "paraphrase", "target": 11}]},  # 12
        {"speaker": "Tom", "text": "Honestly I'm just tired.", "emotion": "sadness", "tags": []},  # 13
        {"speaker": "Maya", "text": "Tom, you seem really stressed about all of it.", "emotion": "neutral",
         "tags": [{"type": "emotional_labeling", "target": "Tom", "said": "stressed", "emotion": "fear"}]},  # 14
        {"speaker": "Priya", "text": "Let's meet again Tuesday.", "emotion": "neutral", "tags": []},  # 15
    ],
    "conflicts": [
        {"turns": [0, 2], "reason": "Maya wants the price under 420k, Greg needs at least 460k"},
        {"turns": [3, 6], "reason": "Tom needs twelve weeks, Priya keeps go-live on March first"},
    ],
}

INJECTION = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> & \"quotes\""


def sample_transcript(timed: bool = True, inject: bool = False) -> Transcript:
    import copy

    d = copy.deepcopy(SAMPLE)
    if inject:
        d["speakers"] = {"<b>Maya</b>" if n == "Maya" else n: r for n, r in d["speakers"].items()}
        for turn in d["turns"]:
            if turn["speaker"] == "Maya":
                turn["speaker"] = "<b>Maya</b>"
            for tg in turn["tags"]:
                if tg.get("target") == "Maya":
                    tg["target"] = "<b>Maya</b>"
        d["turns"][13]["text"] = INJECTION
    t = dialogue_to_transcript(d, seconds_per_word=0.4 if timed else None)
    if inject:
        t.conflicts[0].reason = INJECTION
    return t


def sample_report(timed: bool = True, inject: bool = False) -> dict:
    from talkscan.policy import evaluate_flags, load_policy
    from talkscan.report.json_report import build_report

    t = sample_transcript(timed=timed, inject=inject)
    t.flags = evaluate_flags(t, load_policy())
    return build_report(t, meta={"date": "2026-03-02T10:00:00"})


def gold_report(path: Path) -> dict:
    """report.json of a labelled sample meeting (gold tags), flags from the default policy."""
    import json

    from talkscan.policy import evaluate_flags, load_policy
    from talkscan.report.json_report import build_report

    d = json.loads(path.read_text(encoding="utf-8"))
    timed = any("start" in turn for turn in d["turns"])
    t = dialogue_to_transcript(d, seconds_per_word=0.4 if timed else None, source=f"data/samples/{path.name}")
    t.flags = evaluate_flags(t, load_policy())
    return build_report(t)


def chromium_or_skip():
    import pytest

    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is absent (install Debian's chromium package: apt-get install -y chromium)")
    return CHROMIUM
