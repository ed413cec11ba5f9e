"""Decode any media PyAV can read into 16 kHz mono float32, with clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

from .errors import AudioError, InputError
from .progress import ProgressFn, no_progress

SAMPLE_RATE = 16000
# What meeting apps, phones and recorders write (each one decoded in tests/test_media_formats.py);
# a folder's other files are not recordings, and a file named alone with another type is refused.
AUDIO_EXTENSIONS = (".m4a", ".mp3", ".wav", ".flac", ".ogg", ".oga", ".opus", ".webm", ".mp4", ".mov", ".mkv", ".aac", ".wma",
                    ".m4v", ".3gp", ".amr", ".aif", ".aiff", ".caf", ".avi", ".mka", ".wmv")
# Peak below this (about -66 dBFS) is treated as a recording of silence.
SILENCE_PEAK = 5e-4


def check_file(path: Path) -> None:
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, expected a file", path=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty (0 bytes)", path=str(path))


def decode(path: Path, progress: ProgressFn = no_progress, sample_rate: int = SAMPLE_RATE, channels: bool = False,
           limit_s: float | None = None, notes: list[str] | None = None):
    """The first audio stream of `path` as a float32 numpy array at `sample_rate`: mono, or with
    `channels` one row per channel (channels, samples), for recordings with a speaker per channel.
    With `limit_s`, only about the first that many seconds (a look at the file, not its transcript).
    A file cut short (a recorder that stopped, a copy broken off) is decoded as far as it goes, and
    `notes` gets a line for the report saying so where the file states its length exactly (a WAV's
    finished header, MP4, FLAC); under half of the length FFmpeg reads is refused, as before."""
    import av
    import numpy as np

    check_file(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as e:
        raise AudioError(
            f"cannot be read as audio: corrupt, truncated or not a media file ({_reason(e)})", path=str(path)
        ) from None
    with container:
        streams = container.streams.audio
        if not streams:
            raise AudioError("has no audio stream", path=str(path))
        stream = streams[0]
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        rows = max(1, stream.channels or 1) if channels else 1
        # packed (interleaved) float, one plane whatever the channel count: PyAV reads planar frames of
        # more than eight channels out of bounds (a segfault); layout None keeps the stream's own
        resampler = av.AudioResampler(format="flt", layout=None if channels else "mono", rate=sample_rate)
        # Frames go straight into one float32 buffer sized from the stated duration: the peak is the
        # audio itself, not int16 chunks plus their concatenation plus float copies.
        expected = min(duration or 60.0, limit_s or float("inf"))
        buf = np.empty((rows, int(expected * sample_rate) + sample_rate), dtype=np.float32)
        decoded = 0
        errors = 0
        packets = 0

        def put(frames) -> None:
            nonlocal buf, decoded
            for out in frames:
                arr = out.to_ndarray().reshape(-1, rows).T
                n = arr.shape[1]
                if decoded + n > buf.shape[1]:
                    grown = np.empty((rows, max(2 * buf.shape[1], decoded + n)), dtype=np.float32)
                    grown[:, :decoded] = buf[:, :decoded]
                    buf = grown
                buf[:, decoded : decoded + n] = arr
                decoded += n

        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    # a damaged packet: skip it, as players do; too many means the file is broken
                    errors += 1
                    if errors > 20:
                        raise
                    continue
                for frame in frames:
                    put(resampler.resample(frame))
                packets += 1
                if limit_s is not None and decoded >= limit_s * sample_rate:
                    break
                if duration and packets % 200 == 0:
                    progress("decode", min(decoded / sample_rate, duration), duration)
            put(resampler.resample(None))
        except (av.error.FFmpegError, ValueError) as e:
            if not decoded:
                raise AudioError(f"cannot be decoded ({_reason(e)})", path=str(path)) from None
            raise AudioError(f"is truncated or corrupt after {decoded / sample_rate:.1f} s ({_reason(e)})", path=str(path)) from None
    if not decoded:
        raise AudioError("contains no audio samples (truncated or empty stream)", path=str(path))
    # a view when the estimate was close; a compact copy when it was far too large
    audio = buf[:, :decoded] if decoded > 0.8 * buf.shape[1] else buf[:, :decoded].copy()
    if not channels:
        audio = audio[0]
    seconds = decoded / sample_rate
    progress("decode", seconds, seconds)
    if duration and limit_s is None and seconds < 0.5 * duration - 1.0:
        raise AudioError(f"is truncated: decoded {seconds:.1f} s of a stated {duration:.1f} s", path=str(path))
    if limit_s is None and notes is not None:
        stated = _exact_length(path, duration)
        if stated and seconds < stated - max(1.0, 0.01 * stated):
            from .report.html import clock

            notes.append(f"the recording is cut short: {clock(seconds)} of its stated {clock(stated)} could be "
                         "decoded, and the report covers only that")
    if peak(audio) < SILENCE_PEAK:
        raise AudioError("is silent: no speech to transcribe", path=str(path))
    return audio


def channel_count(path: Path) -> int:
    """Channels of the first audio stream, read from the container header without decoding; 0
    when the file has none or cannot be opened (decode says why)."""
    import av

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            streams = container.streams.audio
            return int(streams[0].channels or 1) if streams else 0
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        return 0


def peak(x) -> float:
    """Largest absolute sample; 0 for no samples."""
    # max and -min, not abs().max(): abs would make a second copy of the whole recording (+230 MB an hour)
    return max(float(x.max()), -float(x.min())) if x.size else 0.0


def write_m4a(audio, path: Path, sample_rate: int = SAMPLE_RATE, bitrate: int = 48000) -> Path:
    """Float mono audio as AAC in an .m4a through PyAV (no system ffmpeg): the recordings that tests
    and benchmarks build. Written under a temporary name, then renamed, so a half file never shows."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part.m4a")
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    with av.open(str(tmp), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=sample_rate)
        stream.layout = "mono"
        stream.bit_rate = bitrate
        for i in range(0, len(pcm), sample_rate):  # one second per frame keeps memory small
            frame = av.AudioFrame.from_ndarray(pcm[None, i : i + sample_rate], format="s16", layout="mono")
            frame.sample_rate = sample_rate
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    tmp.replace(path)
    return path


# Containers that state their length exactly; MP3, Ogg, WebM and raw AAC lengths are estimates
# (a VBR MP3 without a Xing header is guessed from its first frames), so a shortfall there says nothing.
_EXACT_LENGTH = (".m4a", ".mp4", ".mov", ".m4v", ".flac")


def _exact_length(path: Path, duration: float | None) -> float | None:
    """The length `path` states exactly, where it does: a WAV's header (FFmpeg states a WAV's length
    from the bytes present), the container's for MP4 and FLAC."""
    suffix = path.suffix.lower()
    if suffix == ".wav":
        return _wav_stated_seconds(path)
    return duration if suffix in _EXACT_LENGTH else None


def _wav_stated_seconds(path: Path) -> float | None:
    """The length a finished WAV file's header states (its data chunk's size), or None: not a WAV,
    or a header a recorder never finished (a placeholder size such as 0, 0x7FFFFFFF or 0xFFFFFFFF,
    which the RIFF size does not agree with)."""
    import struct

    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    riff = struct.unpack("<I", head[4:8])[0]
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        tag, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if tag == b"fmt " and pos + 24 <= len(head):
            rate, per_s, align = struct.unpack("<IIH", head[pos + 12:pos + 22])
            byte_rate = per_s if per_s == rate * align else 0   # a header at odds with itself states nothing
        elif tag == b"data":
            # a finished header: the RIFF size covers this chunk (and at most a few metadata chunks after it)
            finished = 0 < size < 0x7FF00000 and pos + size <= riff <= pos + size + 4096
            return size / byte_rate if byte_rate and finished else None
        pos += 8 + size + (size & 1)
    return None


def _reason(e: Exception) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return text.split(":")[-1].strip() if ":" in text else text.strip()
