"""index.html across meetings: the meetings with links to their reports, each named person's moves
and flags over time as small inline SVG charts, and the conflicts that recur by topic. One
self-contained file like report.html (its CSS inlined, no script, autoescaped), rebuilt from the
history database after every batch."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..transcript import MOVES
from .html import MOVE_LABELS, flag_text

if TYPE_CHECKING:
    from ..history import History, Person
    from ..store import Store

__all__ = ["render_index", "write_index"]

# small-multiple geometry, in SVG user units
_W, _H, _PAD = 132, 34, 2


def _bars(values: list[int | None], titles: list[str], css: str) -> dict[str, Any]:
    """One tiny bar chart with a slot per meeting of the whole history (None: the person was not
    there, so no mark), scaled to the series' own maximum (the number is in each bar's title)."""
    n = max(1, len(values))
    present = [v for v in values if v is not None]
    top = max(present) if present and max(present) > 0 else 1
    step = (_W - 2 * _PAD) / n
    bw = max(2.0, min(14.0, step * 0.7))
    bars = []
    for i, (v, t) in enumerate(zip(values, titles)):
        if v is None:
            continue
        h = 0 if v == 0 else max(2.0, (_H - 2 * _PAD - 8) * v / top)
        x = _PAD + i * step + (step - bw) / 2
        bars.append({"x": round(x, 1), "y": round(_H - _PAD - h, 1), "w": round(bw, 1), "h": round(h, 1),
                     "title": t, "zero": v == 0})
    return {"w": _W, "h": _H, "bars": bars, "css": css, "total": sum(present), "base": _H - _PAD}


def _person_view(p: "Person", counted: list[int]) -> dict[str, Any]:
    """`counted`: the indices of the meetings that count (one report per meeting), a slot each."""
    at = {pt.meeting: pt for pt in p.points}
    slots = [at.get(i) for i in counted]
    charts = []
    for mv in MOVES:
        values = [pt.moves.get(mv, 0) if pt else None for pt in slots]
        titles = [f"{pt.when}: {pt.moves.get(mv, 0)} {MOVE_LABELS[mv]}" if pt else "" for pt in slots]
        charts.append({"move": mv, "label": MOVE_LABELS[mv], **_bars(values, titles, f"mv-{mv}")})
    fvalues = [len(pt.flags) if pt else None for pt in slots]
    ftitles = [f"{pt.when}: " + (", ".join(pt.flags) if pt.flags else "no flags") if pt else "" for pt in slots]
    return {
        "name": p.name,
        "meetings": len(p.points),
        "first": p.points[0].when if p.points else "",
        "last": p.points[-1].when if p.points else "",
        "charts": charts,
        "flags": {"label": "flags", **_bars(fvalues, ftitles, "flagbar")},
        "flag_list": [(pt.when, f) for pt in p.points for f in pt.flags],
    }


def _context(h: "History", store: "Store", out: Path) -> dict[str, Any]:
    from ..history import duration_text

    meetings = []
    stems = Counter(Path(m.source).stem for m in h.meetings)
    failed = {f.source: f.last_failed for f in h.failures}
    hrefs = [Path(os.path.relpath(store.report_folder(m.report) / "report.html", out)).as_posix() for m in h.meetings]
    for i, m in enumerate(h.meetings):
        meetings.append({
            "when": m.when,
            "dated": bool(m.date),
            "duration": duration_text(m.duration_s),
            # the extension tells apart meeting.txt and meeting.vtt, which share a stem
            "title": (Path(m.source).name if stems[Path(m.source).stem] > 1 else Path(m.source).stem) or m.report,
            "source": m.source,
            "href": hrefs[i],
            "kind": m.kind,
            "speakers": [s["name"] or s["speaker"] for s in m.speakers],
            "flags": [{"who": m.label(f["speaker"]), "text": flag_text(f)} for f in m.flags],
            "conflicts": len(m.conflicts),
            # a redo that failed keeps the report it would have replaced: say it is of the input as it was
            "failed_since": failed.get(m.source),
            # another file of a meeting listed here: counted once, through that one's report
            "same_as": ({"title": Path(h.meetings[h.same_as[i]].source).name, "href": hrefs[h.same_as[i]]}
                        if i in h.same_as else None),
        })
    conflicts = []
    for c in h.conflicts:
        conflicts.append({
            "topic": c.topic,
            "count": c.count,
            "meetings": [h.meetings[i].when for i in c.meetings],
            "recurring": c.recurring,
            "pairs": sorted(c.pairs.items(), key=lambda kv: (-kv[1], kv[0])),
            "reasons": c.reasons,
        })
    return {
        "meetings": meetings,
        "meeting_count": h.meeting_count,
        "people": [_person_view(p, h.counted) for p in h.people],
        "conflicts": conflicts,
        "failures": h.failures,
        "moves": [(mv, MOVE_LABELS[mv]) for mv in MOVES],
        "undated": any(not m.date for m in h.meetings),
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render_index(store: "Store", out: Path) -> str:
    from ..history import build_history
    from .html import _env

    return _env().get_template("index.html.j2").render(**_context(build_history(store), store, Path(out)))


def write_index(store: "Store", out: Path) -> Path:
    from .files import write_atomic

    return write_atomic(Path(out) / "index.html", render_index(store, out))
