"""Shared by the benchmark scripts: paths, long test meetings built from public clips, peak RSS,
stage timing, tables and JSON. Benchmarks only; nothing here is imported by the package."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE = REPO / "data" / "samples" / "pricing-sync.m4a"
# Built meetings live outside the repository: they are derived from ../shared/data, which is never copied in.
WORK = Path(os.environ.get("TALKSCAN_BENCH_DIR", "/tmp/talkscan-bench"))
SR = 16000

# Nothing in a benchmark may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def largest_share(shares: dict[tuple[str, str], float]) -> dict[str, str]:
    """Each diarized speaker -> the reference speaker it shares the most with (`shares[got, ref]`:
    words or seconds in common). Several diarized speakers may map to one reference speaker."""
    name: dict[str, str] = {}
    for (got, ref), _ in sorted(shares.items(), key=lambda kv: kv[1]):
        name[got] = ref   # ascending, so each diarized speaker ends on its largest share
    return name


def need_shared(what: str) -> Path:
    if not SHARED_DATA.is_dir():
        sys.exit(f"{what} needs the public data at {SHARED_DATA} (absent: an outside clone)")
    return SHARED_DATA


def split_parser(doc: str):
    """The options of the scripts that score labelled meetings: which split, how many, where the JSON goes."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "data" / "dialogues")
    ap.add_argument("--split", default="test")
    ap.add_argument("--limit", type=int, default=0, help="only the first N meetings")
    ap.add_argument("--json", type=Path, default=None, help="write the scores here")
    return ap


def report_on_turns(t, turn_of: dict[str, int], name_of: dict[str, str], n_turns: int) -> tuple[list[list], set]:
    """A report's tags and conflicts on the gold turns, for scoring: `turn_of` maps utterance ids to
    turn indices (utterances it lacks are dropped), `name_of` speaker ids to gold names. Paraphrase
    and mirroring targets become turn indices, labeling targets names, conflicts turn pairs."""
    from dataclasses import replace

    tags: list[list] = [[] for _ in range(n_turns)]
    for u in t.utterances:
        if u.id not in turn_of:
            continue
        for tag in u.tags:
            if tag.type in ("paraphrase", "mirroring"):
                tag = replace(tag, target=turn_of.get(tag.target))
            elif tag.type == "emotional_labeling":
                tag = replace(tag, target=name_of.get(tag.target, tag.target))
            tags[turn_of[u.id]].append(tag)
    ask_utt = {a.id: a.utterance for a in t.asks}
    pairs = set()
    for c in t.conflicts:
        ks = [turn_of.get(ask_utt.get(a)) for a in c.asks]
        if None not in ks and ks[0] != ks[1]:
            pairs.add(tuple(sorted(ks)))
    return tags, pairs


# --------------------------------------------------------------------------- machine and memory


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child started by a parent that
    had built a 60-minute meeting in memory reported the parent's 754 MiB as its own peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        import psutil

        mem_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "ram_gb": mem_gb,
        "python": platform.python_version(),
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


# --------------------------------------------------------------------------- timing


class StageClock:
    """Wall time and memory per stage, from wrapped functions (nested calls count once, in the
    outermost stage)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        # CPU seconds of all the process's threads: less sensitive than wall time to other jobs on the machine
        self.cpu: dict[str, float] = {}
        self.peak_after: dict[str, float] = {}  # process peak RSS when the stage ended
        self._depth = 0

    @contextmanager
    def stage(self, name: str):
        outer = self._depth == 0
        self._depth += 1
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self._depth -= 1
            if outer:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
                self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c0
                self.peak_after[name] = round(peak_rss_mb(), 1)

    def wrap(self, module, attr: str, name: str) -> None:
        """Replace module.attr by a timed version that books its time under `name`."""
        fn = getattr(module, attr)

        def timed(*a, **kw):
            with self.stage(name):
                return fn(*a, **kw)

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        setattr(module, attr, timed)


class ProgressTimes:
    """progress(stage, done, total) callback that keeps the time of each stage's first and last event."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.events: list[tuple[float, str, float, float | None]] = []

    def __call__(self, stage: str, done: float, total: float | None) -> None:
        now = time.perf_counter()
        self.first.setdefault(stage, now)
        self.last[stage] = now
        self.events.append((now, stage, done, total))

    def spans(self) -> dict[str, float]:
        return {s: round(self.last[s] - self.first[s], 3) for s in self.first}


def loglog_slope(xs: Iterable[float], ys: Iterable[float]) -> float:
    """Least-squares slope of log(y) against log(x): the growth exponent."""
    import numpy as np

    lx, ly = np.log(np.asarray(list(xs), float)), np.log(np.asarray(list(ys), float))
    return float(np.polyfit(lx, ly, 1)[0])


# --------------------------------------------------------------------------- child processes


def run_child(script: Path, args: list[str], timeout: float | None = None) -> dict:
    """Run `python script args…` in a fresh process (its own peak RSS, cold caches) and return the JSON
    it prints as its last stdout line."""
    cmd = [sys.executable, str(script), *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if p.returncode != 0:
        tail = "\n".join(p.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(cmd[1:])} failed ({p.returncode}):\n{tail}")
    lines = [ln for ln in p.stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(cmd[1:])} printed no JSON; stderr:\n{p.stderr[-2000:]}")
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- output


def table(rows: list[dict], columns: list[tuple[str, str]], title: str | None = None) -> str:
    """A plain-text table; columns are (key, header). Floats get 2 decimals (or 1 above 100)."""

    def fmt(v: Any) -> str:
        if v is None:
            return "–"
        if isinstance(v, float):
            return f"{v:.1f}" if abs(v) >= 100 else f"{v:.2f}"
        return str(v)

    cells = [[fmt(r.get(k)) for k, _ in columns] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, (_, h) in enumerate(columns)]
    out = []
    if title:
        out.append(title)
    out.append("  ".join(h.rjust(w) for (_, h), w in zip(columns, widths)))
    out.append("  ".join("-" * w for w in widths))
    for c in cells:
        out.append("  ".join(v.rjust(w) for v, w in zip(c, widths)))
    return "\n".join(out)


def write_json(path: str | Path | None, payload: dict) -> None:
    if not path:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


# --------------------------------------------------------------------------- test meetings


def _decode(path: Path):
    """16 kHz mono float32 via talkscan's own decoder (the same resampling the pipeline uses)."""
    from talkscan.audio import decode

    return decode(path)


def clip_sources() -> list[Path]:
    """The speech the long meetings are made of: the project's sample meeting and the public AMI,
    pyannote and JFK clips (English only: tiny.en is an English model)."""
    shared = need_shared("building a long meeting")
    ami = sorted(p for p in (shared / "diarization" / "ami").glob("*.wav") if p.name != "empty.wav")
    return [SAMPLE, *ami, shared / "diarization" / "sample.wav", shared / "speech" / "jfk.flac"]


def meeting_audio(minutes: float, seed: int = 0):
    """Clips in a fixed shuffled round-robin with 0.3–1.5 s gaps until `minutes` long. The 15-minute
    meeting is the first 15 minutes of the 60-minute one, so memory growth compares like with like."""
    import numpy as np

    rng = np.random.default_rng(seed)
    clips = [_decode(p) for p in clip_sources()]
    target = int(minutes * 60 * SR)
    parts, n, k = [], 0, 0
    order = list(range(len(clips)))
    while n < target:
        if k % len(order) == 0:
            rng.shuffle(order)
        clip = clips[order[k % len(order)]]
        gap = np.zeros(int(rng.uniform(0.3, 1.5) * SR), np.float32)
        parts += [clip, gap]
        n += len(clip) + len(gap)
        k += 1
    return np.concatenate(parts)[:target]


def encode_m4a(audio, path: Path, bitrate: int = 48000) -> Path:
    """AAC in an .m4a, 16 kHz mono, about the bitrate of the sample recording."""
    from talkscan.audio import write_m4a

    return write_m4a(audio, path, SR, bitrate)


def built_meeting(minutes: float) -> Path:
    """WORK/meeting-<minutes>min.m4a, built once and reused."""
    path = WORK / f"meeting-{minutes:g}min.m4a"
    if not path.is_file():
        encode_m4a(meeting_audio(minutes), path)
    return path


def audio_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        if s.duration is not None and s.time_base is not None:
            return float(s.duration * s.time_base)
        return c.duration / 1_000_000


def progress_to_stderr(enabled: bool) -> Callable[[str], None]:
    def say(msg: str) -> None:
        if enabled:
            print(msg, file=sys.stderr, flush=True)

    return say


class _Sampler:
    """Calls `sample()` on entry, every `every` seconds in a thread while the run lasts, and on exit."""

    def __init__(self, every: float) -> None:
        import threading

        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


class TreeRssSampler(_Sampler):
    """Peak of the summed RSS of this process and all its descendants (worker pools), sampled every
    `every` seconds: ru_maxrss cannot add up concurrent processes."""

    def __init__(self, every: float = 0.5) -> None:
        import psutil

        super().__init__(every)
        self.peak_mb = 0.0
        self._me = psutil.Process()

    def sample(self) -> None:
        import psutil

        total = 0
        for p in [self._me, *self._me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        self.peak_mb = max(self.peak_mb, total / 2**20)


class LoadSampler(_Sampler):
    """1-minute load average sampled every `every` seconds while a run lasts: the machine is
    shared, so each result says how busy it was (min, mean, max)."""

    def __init__(self, every: float = 5.0) -> None:
        super().__init__(every)
        self.samples: list[float] = []

    def sample(self) -> None:
        self.samples.append(os.getloadavg()[0])

    def summary(self) -> dict[str, float]:
        x = self.samples
        return {"min": round(min(x), 2), "mean": round(sum(x) / len(x), 2), "max": round(max(x), 2)}

    def text(self) -> str:
        s = self.summary()
        return f"{s['min']:.1f}–{s['max']:.1f}"

