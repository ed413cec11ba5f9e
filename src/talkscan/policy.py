"""The flag policy (a TOML file with documented defaults) and the flags it raises on an analysed
transcript: rapport moves a speaker overused, and moves the meeting or a speaker never made.

The defaults live in `default_policy.toml` (printed by `talkscan policy --show`) and mirror the
dataclass defaults below; a user's file only needs the keys it changes.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import UsageError
from .transcript import MOVES, Flag, Transcript

__all__ = ["OveruseRule", "Policy", "default_policy_text", "load_policy", "evaluate_flags"]

# Moves that acknowledge another person: the utterance or speaker they point at is the person.
_ACK_MOVES = ("paraphrase", "mirroring", "emotional_labeling")
_RESTATE_MOVES = ("paraphrase", "mirroring")


@dataclass(frozen=True)
class OveruseRule:
    """A move is overused when count > max_count and count / own turns > max_share."""

    max_count: float
    max_share: float = 0.0
    repeat_target_weight: float = 1.0
    advice: str = ""


def _default_overuse() -> dict[str, OveruseRule]:
    return {
        "paraphrase": OveruseRule(
            3, 0.25, 1.0, "Not everything needs paraphrasing: keep it for the points that matter."
        ),
        "mirroring": OveruseRule(
            2, 0.2, 1.0, "Mirroring wears thin quickly: echo only the words you want the speaker to expand on."
        ),
        "emotional_labeling": OveruseRule(
            2,
            0.2,
            1.5,
            "Naming feelings too often feels like therapy: label an emotion once, when it blocks progress.",
        ),
    }


def _default_missing_advice() -> dict[str, str]:
    return {
        "conflict_restated": "Conflicting asks went unrestated: paraphrase each side's ask before arguing it.",
        "party_acknowledges": "Acknowledge {others}'s side before pressing your ask: paraphrase their ask "
        "or name their concern.",
        "similarity": "Nobody named any common ground: point out a goal or constraint the sides share.",
        "future_vision": "Nobody painted the shared future: describe what the signed deal looks like for every team.",
    }


@dataclass(frozen=True)
class Policy:
    overuse: dict[str, OveruseRule] = field(default_factory=_default_overuse)
    # meeting: conflicts raised, but nobody paraphrased or mirrored a party to them
    conflict_restated: bool = True
    # speaker: a conflict party never paraphrased, mirrored or labelled a counterpart whose side
    # nobody else acknowledged either (strict: whether or not anyone else did)
    party_acknowledges: bool = True
    strict_party_acknowledges: bool = False
    # meeting: each of these moves, when absent from a meeting of at least `min_turns` turns
    expected_moves: tuple[str, ...] = ("similarity", "future_vision")
    min_turns: int = 12
    missing_advice: dict[str, str] = field(default_factory=_default_missing_advice)


# ---------------------------------------------------------------------------------------- loading


def default_policy_text() -> str:
    """The documented default policy, as TOML."""
    return resources.files("talkscan").joinpath("default_policy.toml").read_text(encoding="utf-8")


def _default_policy() -> Policy:
    return _from_dict(tomllib.loads(default_policy_text()), Policy(), "default_policy.toml")


def load_policy(path: Path | None = None) -> Policy:
    """The default policy, with the keys of the TOML file at `path` (if given) laid over it."""
    base = _default_policy()
    if path is None:
        return base
    path = Path(path)
    from .errors import MalformedTranscript
    from .readers import decode

    try:
        # as transcripts are read: PowerShell's `policy --show > FILE` writes UTF-16, Notepad a BOM
        text = decode(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise UsageError("policy file not found", path=str(path)) from None
    except OSError as e:
        raise UsageError(f"cannot read the policy file ({e.__class__.__name__}: {e})", path=str(path)) from None
    except MalformedTranscript as e:
        raise UsageError(e.message, path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"not valid TOML: {e}", path=str(path)) from None
    return _from_dict(data, base, str(path))


def _number(v: Any, key: str, where: str, lo: float = 0.0, hi: float | None = None) -> float:
    # NaN compares false with everything, so it passed the range check and switched flags off
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < lo or (hi is not None and v > hi):
        rng = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
        raise UsageError(f"'{key}' must be a number {rng}, got {v!r}", path=where)
    return v


def _table(v: Any, key: str, where: str) -> dict:
    if not isinstance(v, dict):
        raise UsageError(f"'{key}' must be a table ([{key}]), got {v!r}", path=where)
    return v


def _unknown(d: dict, allowed: set[str], prefix: str, where: str) -> None:
    for k in d:
        if k not in allowed:
            name = f"{prefix}.{k}" if prefix else k
            raise UsageError(f"unknown key '{name}' (known: {', '.join(sorted(allowed))})", path=where)


def _from_dict(data: dict, base: Policy, where: str) -> Policy:
    _unknown(data, {"overuse", "missing"}, "", where)
    overuse = dict(base.overuse)
    for move, rule in _table(data.get("overuse", {}), "overuse", where).items():
        if move not in MOVES:
            raise UsageError(f"unknown move 'overuse.{move}' (moves: {', '.join(MOVES)})", path=where)
        key = f"overuse.{move}"
        rule = _table(rule, key, where)
        _unknown(rule, {"max_count", "max_share", "repeat_target_weight", "advice"}, key, where)
        old = overuse.get(move)
        if old is None:
            if "max_count" not in rule:
                raise UsageError(f"'{key}' needs max_count", path=where)
            old = OveruseRule(max_count=0)
        new = replace(old)
        if "max_count" in rule:
            # below 1 a single use would be flagged: never what anyone means
            new = replace(new, max_count=_number(rule["max_count"], f"{key}.max_count", where, lo=1))
        if "max_share" in rule:
            new = replace(new, max_share=_number(rule["max_share"], f"{key}.max_share", where, 0, 1))
        if "repeat_target_weight" in rule:
            w = _number(rule["repeat_target_weight"], f"{key}.repeat_target_weight", where, lo=1)
            new = replace(new, repeat_target_weight=w)
        if "advice" in rule:
            if not isinstance(rule["advice"], str):
                raise UsageError(f"'{key}.advice' must be a string", path=where)
            new = replace(new, advice=rule["advice"])
        overuse[move] = new

    missing = _table(data.get("missing", {}), "missing", where)
    _unknown(missing, {"conflict_restated", "party_acknowledges", "strict_party_acknowledges", "expected_moves", "min_turns", "advice"}, "missing", where)
    kw: dict[str, Any] = {}
    for key in ("conflict_restated", "party_acknowledges", "strict_party_acknowledges"):
        if key in missing:
            if not isinstance(missing[key], bool):
                raise UsageError(f"'missing.{key}' must be true or false, got {missing[key]!r}", path=where)
            kw[key] = missing[key]
    if "expected_moves" in missing:
        moves = missing["expected_moves"]
        if not isinstance(moves, list) or any(m not in MOVES for m in moves):
            raise UsageError(
                f"'missing.expected_moves' must be a list of moves ({', '.join(MOVES)}), got {moves!r}", path=where
            )
        kw["expected_moves"] = tuple(moves)
    if "min_turns" in missing:
        v = missing["min_turns"]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise UsageError(f"'missing.min_turns' must be a whole number ≥ 0, got {v!r}", path=where)
        kw["min_turns"] = v
    advice = dict(base.missing_advice)
    adv = _table(missing.get("advice", {}), "missing.advice", where)
    _unknown(adv, {"conflict_restated", "party_acknowledges", *MOVES}, "missing.advice", where)
    for k, v in adv.items():
        if not isinstance(v, str):
            raise UsageError(f"'missing.advice.{k}' must be a string", path=where)
        advice[k] = v
    return replace(base, overuse=overuse, missing_advice=advice, **kw)


# ------------------------------------------------------------------------------------- evaluation


def _num(x: float) -> float:
    x = round(float(x), 2)
    return int(x) if x.is_integer() else x


def _turns(t: Transcript) -> dict[str, int]:
    """Turns per speaker, as stats.py counts them: runs of consecutive utterances by one speaker."""
    turns: dict[str, int] = {}
    prev = None
    for u in t.utterances:
        if u.speaker != prev:
            turns[u.speaker] = turns.get(u.speaker, 0) + 1
        prev = u.speaker
    return turns


def _target_person(t: Transcript, target: str | None, by_utt: dict[str, str], names: dict[str, str]) -> str | None:
    """The speaker a tag points at: the speaker of a target utterance, or a target speaker (id or name)."""
    if target is None:
        return None
    if target in by_utt:
        return by_utt[target]
    return names.get(target, target)


def _sides(t: Transcript, conflict_utts: list[str]) -> list[str]:
    """The utterances that show a meeting's sides: the conflicting asks, or else each asking
    speaker's first ask; none where fewer than two people asked."""
    if conflict_utts:
        return conflict_utts
    first: dict[str, str] = {}
    for a in t.asks:
        first.setdefault(a.speaker, a.utterance)
    if len(first) < 2:
        return []
    order = {u.id: i for i, u in enumerate(t.utterances)}
    return sorted(first.values(), key=lambda u: order.get(u, len(order)))


def evaluate_flags(t: Transcript, policy: Policy) -> list[Flag]:
    """Overused and missing moves of `t` (utterance tags, asks and conflicts) under `policy`."""
    by_utt = {u.id: u.speaker for u in t.utterances}
    names = {s.id: s.id for s in t.speakers} | {s.name: s.id for s in t.speakers if s.name}
    turns = _turns(t)
    order = [s.id for s in t.speakers] + [sp for sp in turns if sp not in {s.id for s in t.speakers}]
    flags: list[Flag] = []

    # overused: per speaker and move
    for sp in order:
        own_turns = turns.get(sp, 0)
        if not own_turns:
            continue
        for move in MOVES:
            rule = policy.overuse.get(move)
            if rule is None:
                continue
            seen: set[str] = set()
            weighted, count, evidence = 0.0, 0, []
            for u in t.utterances:
                if u.speaker != sp:
                    continue
                for tag in u.tags:
                    if tag.type != move:
                        continue
                    person = _target_person(t, tag.target, by_utt, names)
                    weighted += rule.repeat_target_weight if person is not None and person in seen else 1.0
                    if person is not None:
                        seen.add(person)
                    count += 1
                    if u.id not in evidence:
                        evidence.append(u.id)
            if weighted > rule.max_count and count / own_turns > rule.max_share:
                flags.append(Flag(sp, move, "overused", _num(weighted), _num(rule.max_count), evidence, rule.advice))

    # who acknowledged whom: (speaker, person) pairs, with the utterances that did it
    acked: dict[tuple[str, str], list[str]] = {}
    restated: set[tuple[str, str]] = set()
    for u in t.utterances:
        for tag in u.tags:
            if tag.type not in _ACK_MOVES:
                continue
            person = _target_person(t, tag.target, by_utt, names)
            if person is None or person == u.speaker:
                continue
            acked.setdefault((u.speaker, person), []).append(u.id)
            if tag.type in _RESTATE_MOVES:
                restated.add((u.speaker, person))

    ask_utt = {a.id: a.utterance for a in t.asks}
    conflict_utts: list[str] = []
    parties: set[str] = set()
    counterparts: dict[str, list[str]] = {}
    for c in t.conflicts:
        conflict_utts += [ask_utt[a] for a in c.asks if a in ask_utt and ask_utt[a] not in conflict_utts]
        parties.update(c.speakers)
        for a in c.speakers:
            for b in c.speakers:
                if a != b and b not in counterparts.setdefault(a, []):
                    counterparts[a].append(b)

    # missing, meeting: conflicts raised but no party to them was paraphrased or mirrored by anyone else
    unrestated = bool(t.conflicts) and not any(person in parties for (sp, person) in restated)
    meeting_flagged = policy.conflict_restated and unrestated
    if meeting_flagged:
        advice = policy.missing_advice["conflict_restated"]
        flags.append(Flag(None, "paraphrase", "missing", 0, 1, list(conflict_utts), advice))

    # missing, meeting: expected moves that never came in a negotiation long enough to expect
    # them. The evidence is the sides' asks, where common ground or a shared picture was due; a
    # meeting where fewer than two people asked for anything has no sides, and no flag.
    sides = _sides(t, conflict_utts)
    if sum(turns.values()) >= policy.min_turns and sides:
        used = {tag.type for u in t.utterances for tag in u.tags}
        for move in policy.expected_moves:
            if move not in used:
                advice = policy.missing_advice.get(move, f"Nobody used {move.replace('_', ' ')} in this meeting.")
                flags.append(Flag(None, move, "missing", 0, 1, list(sides), advice))

    # missing, speaker: a conflict party who never acknowledged a counterpart. By default only
    # where that counterpart's side went unheard (nobody else acknowledged them either) and the
    # meeting-level flag above has not already said so: one restating mediator is enough for
    # the meeting, and flagging every party who did not paraphrase would flag almost everyone.
    if policy.party_acknowledges and (policy.strict_party_acknowledges or not meeting_flagged):
        heard = {person for (sp, person) in acked}
        for sp in order:
            missed = [
                b
                for b in counterparts.get(sp, [])
                if (sp, b) not in acked and (policy.strict_party_acknowledges or b not in heard)
            ]
            if not missed:
                continue
            evidence = []
            for c in t.conflicts:
                if sp in c.speakers and any(b in c.speakers for b in missed):
                    evidence += [ask_utt[a] for a in c.asks if a in ask_utt and ask_utt[a] not in evidence]
            who = " and ".join(t.speaker_label(b) for b in missed)
            advice = policy.missing_advice["party_acknowledges"].replace("{others}", who)
            flags.append(Flag(sp, "paraphrase", "missing", 0, 1, evidence, advice))
    return flags
