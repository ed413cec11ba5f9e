"""Transcript formats as Teams, Zoom and Meet export them, and talkscan's own JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from talkscan.errors import MalformedTranscript
from talkscan.readers import read_transcript
from talkscan.report.subtitles import to_srt, to_vtt
from talkscan.transcript import Tag, Transcript

TEAMS_VTT = """WEBVTT

3f6a2c1e-1b7e-4c4a-9a51-0d1f6a3b2c11/12-0
00:00:01.250 --> 00:00:04.900
<v Maya Chen>We need the year-one price under four twenty.</v>

3f6a2c1e-1b7e-4c4a-9a51-0d1f6a3b2c11/13-0
00:00:05.100 --> 00:00:05.900
<v Greg Olsen>Four twenty?</v>

3f6a2c1e-1b7e-4c4a-9a51-0d1f6a3b2c11/14-0
00:00:06.000 --> 00:00:09.500
<v Maya Chen>That's the mandate &amp; it's firm.</v>
"""

ZOOM_VTT = """WEBVTT

1
00:00:00.000 --> 00:00:02.000
Tom Reyes: IT needs twelve weeks for the migration.

2
00:00:02.500 --> 00:00:03.400
Priya: Twelve weeks?
"""

SRT = """1
00:00:01,000 --> 00:00:03,500
Maya: We need the SOW by Friday.

2
00:00:03,800 --> 00:00:06,000
Greg: Friday works if legal signs off.
"""

TXT = """Maya: We need the price under four twenty.
Greg: Under four twenty?
This continues Greg's turn on a new line.
Tom: IT needs twelve weeks.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_teams_vtt_voice_tags(tmp_path):
    t = read_transcript(write(tmp_path, "teams.vtt", TEAMS_VTT))
    assert [s.name for s in t.speakers] == ["Maya Chen", "Greg Olsen"]
    assert [u.speaker for u in t.utterances] == ["S0", "S1", "S0"]
    assert t.utterances[1].text == "Four twenty?"
    assert t.utterances[2].text == "That's the mandate & it's firm."
    assert t.utterances[0].start == pytest.approx(1.25) and t.utterances[0].end == pytest.approx(4.9)
    assert [u.turn for u in t.utterances] == [0, 1, 2]
    assert t.kind == "transcript" and t.duration_s == pytest.approx(9.5)


def test_zoom_vtt_name_prefix(tmp_path):
    t = read_transcript(write(tmp_path, "zoom.vtt", ZOOM_VTT))
    assert [s.name for s in t.speakers] == ["Tom Reyes", "Priya"]
    assert t.utterances[0].text == "IT needs twelve weeks for the migration."


@pytest.mark.parametrize("mark", [">> ", ">>", "- "])
def test_caption_speaker_marks_before_the_name(tmp_path, mark):
    """Broadcast-style captions write ">> MAYA: text"; dialogue subtitles "- Maya: text"."""
    vtt = (f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n{mark}MAYA: We need the price under four twenty.\n\n"
           f"00:00:05.000 --> 00:00:07.000\n{mark}GREG: Four twenty?\n")
    t = read_transcript(write(tmp_path, "live.vtt", vtt))
    assert [s.name for s in t.speakers] == ["MAYA", "GREG"]
    assert [u.text for u in t.utterances] == ["We need the price under four twenty.", "Four twenty?"]


def test_srt(tmp_path):
    t = read_transcript(write(tmp_path, "a.srt", SRT))
    assert [s.name for s in t.speakers] == ["Maya", "Greg"]
    assert t.utterances[1].start == pytest.approx(3.8)


def test_txt_name_lines_and_continuations(tmp_path):
    t = read_transcript(write(tmp_path, "a.txt", TXT))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya", "Greg", "Tom"]
    assert t.utterances[1].text == "Under four twenty? This continues Greg's turn on a new line."
    assert t.utterances[0].start is None and t.duration_s is None


@pytest.mark.parametrize("who", ["Maya (Procurement)", "Maya [Procurement]", "Maya Chen (Head of Procurement)",
                                 "Dr. Maya Chen [Head of Procurement, EMEA]",
                                 # as parliaments' transcripts write them (QMSum's committee meetings)
                                 "Mr. Chris d'Entremont (West Nova, CPC)", "Maria de la Cruz (Finance)",
                                 "Hon. Carla Qualtrough (Minister of Employment, Workforce Development and Disability Inclusion)",
                                 "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.))",
                                 "Alexandra Konstantinopoulou-Wetherington Jr", "María José Fernández-Villaverde (Legal)"])
def test_txt_names_with_a_role_after_them(tmp_path, who):
    text = f"{who}: We need the price under 400k.\nGreg (Sales): Our floor is 450k.\n{who}: We are far apart.\n"
    t = read_transcript(write(tmp_path, "roles.txt", text))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        (who, "We need the price under 400k."), ("Greg (Sales)", "Our floor is 450k."), (who, "We are far apart.")]


def test_a_name_given_once_with_its_role_is_one_speaker(tmp_path):
    text = ("Maya (Procurement): We need the price under 400k.\nGreg (Sales): Our floor is 450k.\n"
            "Maya: We are far apart.\nGreg: Then we talk terms.\n")
    t = read_transcript(write(tmp_path, "intro.txt", text))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya (Procurement)", "Greg (Sales)"] * 2
    # a name shouted in capitals on one line is the same person
    t = read_transcript(write(tmp_path, "caps.txt", "Maya: A.\nGREG: B.\nMAYA: C.\nGreg (Sales): D.\n"))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya", "Greg (Sales)", "Maya", "Greg (Sales)"]
    # two people who share a first name stay apart, and so does the bare name, which could be either
    text = "Maya (Sales): A.\nMaya (Procurement): B.\nMaya: C.\n"
    t = read_transcript(write(tmp_path, "two.txt", text))
    assert len(t.speakers) == 3


def test_an_asides_lead_is_not_a_speaker(tmp_path):
    text = "Maya: We need the price under 400k.\nNote: the SOW is attached.\nGreg: Our floor is 450k.\n"
    t = read_transcript(write(tmp_path, "aside.txt", text))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya", "We need the price under 400k. Note: the SOW is attached."), ("Greg", "Our floor is 450k.")]
    cues = ["Note: recording starts late.", "We need the price under 400k.", "Note: audio drops here.", "Fine."]
    vtt = "WEBVTT\n" + "".join(f"\n00:00:0{2 * k}.000 --> 00:00:0{2 * k + 1}.000\n{c}\n" for k, c in enumerate(cues))
    t = read_transcript(write(tmp_path, "notes.vtt", vtt))
    assert len(t.speakers) == 1 and t.utterances[0].text == "Note: recording starts late."


def test_a_capitalised_lead_with_a_long_aside_is_still_text(tmp_path):
    text = "Maya: We need the price under 400k.\nThe plan (as agreed last week with finance): hold at 400k.\n"
    t = read_transcript(write(tmp_path, "aside.txt", text))
    assert len(t.utterances) == 1 and t.utterances[0].text.endswith("hold at 400k.")


def test_txt_with_timestamps(tmp_path):
    t = read_transcript(write(tmp_path, "a.txt", "[00:00:05] Maya: hi\n[00:01:02] Greg: hello there\n"))
    assert t.utterances[0].start == 5 and t.utterances[0].end == 62 and t.utterances[1].start == 62


def test_vtt_written_reads_back_the_same(tmp_path):
    t = read_transcript(write(tmp_path, "teams.vtt", TEAMS_VTT))
    again = read_transcript(write(tmp_path, "out.vtt", to_vtt(t)))
    assert [(u.speaker, u.text, u.start, u.end) for u in again.utterances] == [
        (u.speaker, u.text, u.start, u.end) for u in t.utterances
    ]
    assert [s.name for s in again.speakers] == [s.name for s in t.speakers]
    srt = read_transcript(write(tmp_path, "out.srt", to_srt(t)))
    assert [u.text for u in srt.utterances] == [u.text for u in t.utterances]
    # a name with WebVTT's markup characters survives the round trip ("R&D <Lead>" came back "R&D <Lead")
    t.speakers[0].name = "R&D <Lead> & co"
    assert read_transcript(write(tmp_path, "named.vtt", to_vtt(t))).speakers[0].name == "R&D <Lead> & co"


def test_json_round_trip(tmp_path):
    t = read_transcript(write(tmp_path, "teams.vtt", TEAMS_VTT))
    t.utterances[1].tags = [Tag(type="mirroring", target="u0", score=0.9)]
    p = write(tmp_path, "t.json", json.dumps({"schema": "talkscan.transcript/1", **t.to_dict()}))
    back = read_transcript(p)
    assert back.to_dict()["utterances"] == t.to_dict()["utterances"]
    assert back.speakers == t.speakers
    assert isinstance(back, Transcript) and back.utterances[1].tags[0].target == "u0"


# Zoom cuts a turn into caption-sized cues; the analyzer needs the turn whole.
ZOOM_CUES_VTT = """WEBVTT

1
00:00:00.000 --> 00:00:03.000
Maya Chen: Before we sign anything, procurement needs

2
00:00:03.100 --> 00:00:06.000
Maya Chen: the total price under four hundred thousand.

3
00:00:06.500 --> 00:00:08.000
Greg Otis: That's tight.

4
00:00:08.200 --> 00:00:09.000
Greg Otis: Really tight.

5
00:00:12.000 --> 00:00:14.000
Greg Otis: Let me check with sales.

6
00:00:14.500 --> 00:00:15.000
Unnamed caption one.

7
00:00:15.500 --> 00:00:16.000
Unnamed caption two.
"""


def test_one_speakers_cues_in_a_row_are_one_utterance(tmp_path):
    t = read_transcript(write(tmp_path, "zoom.vtt", ZOOM_CUES_VTT))
    got = [(t.speaker_label(u.speaker), u.turn, u.start, u.end, u.text) for u in t.utterances]
    assert got == [
        ("Maya Chen", 0, 0.0, 6.0, "Before we sign anything, procurement needs the total price under four hundred thousand."),
        ("Greg Otis", 2, 6.5, 9.0, "That's tight. Really tight."),
        # a pause of SPLIT_PAUSE_S after a sentence end starts a new utterance, as in recordings
        ("Greg Otis", 4, 12.0, 14.0, "Let me check with sales."),
        # cues without a name may be anyone's
        ("S2", 5, 14.5, 15.0, "Unnamed caption one."),
        ("S2", 6, 15.5, 16.0, "Unnamed caption two."),
    ]
    srt = "\n".join(f"{k + 1}\n00:00:0{k},000 --> 00:00:0{k},900\nMaya: part {k} of one turn\n" for k in range(3))
    assert [u.text for u in read_transcript(write(tmp_path, "a.srt", srt)).utterances] == [
        "part 0 of one turn part 1 of one turn part 2 of one turn"]


YOUTUBE_VTT = """WEBVTT
Kind: captions
Language: en

00:00:00.000 --> 00:00:02.350 align:start position:0%
<SP>
we<00:00:00.320><c> need</c><00:00:00.640><c> the</c><00:00:00.960><c> price</c>

00:00:02.350 --> 00:00:02.360 align:start position:0%
we need the price
<SP>

00:00:02.360 --> 00:00:05.000 align:start position:0%
we need the price
under<00:00:02.800><c> four</c><00:00:03.200><c> hundred</c>

00:00:05.000 --> 00:00:05.010 align:start position:0%
under four hundred
<SP>

00:00:05.010 --> 00:00:07.000 align:start position:0%
under four hundred
thousand<00:00:05.500><c> dollars</c>
""".replace("<SP>", " ")   # YouTube writes lines of one space inside its cues


def test_youtube_rolling_captions_show_each_line_once(tmp_path):
    """YouTube's caption files carry header metadata, lines of one space inside cues, and roll: each
    cue repeats the line before. They failed to read ('cue Kind: captions has no timing line')."""
    t = read_transcript(write(tmp_path, "yt.vtt", YOUTUBE_VTT))
    assert [(u.start, u.text) for u in t.utterances] == [
        (0.0, "we need the price"), (2.36, "under four hundred"), (5.01, "thousand dollars")]
    # a file whose cues merely happen to repeat a line now and then keeps every cue
    plain = "WEBVTT\n\n00:01.000 --> 00:02.000\nYes.\n\n00:02.000 --> 00:03.000\nYes.\n\n" + "".join(
        f"00:0{k}.000 --> 00:0{k}.500\nLine {k}.\n\n" for k in range(4, 8))
    assert [u.text for u in read_transcript(write(tmp_path, "p.vtt", plain)).utterances][:2] == ["Yes.", "Yes."]


def test_dialogue_cues_and_subtitle_editor_codes(tmp_path):
    """Film-style subtitles put two speakers in one cue, each line after a dash, and editors leave
    positioning codes ({\\an8}) in the text."""
    srt = ("1\n00:00:01,000 --> 00:00:03,000\n{\\an8}Maya: We need the price under 400k.\n\n"
           "2\n00:00:03,500 --> 00:00:05,000\n<i>Greg: Our floor is 450k.</i>\n\n"
           "3\n00:00:05,500 --> 00:00:08,500\n- Maya: We are far apart.\n- Greg: Then we talk\nterms today.\n\n"
           "4\n00:00:09,000 --> 00:00:10,000\n>> hello from the room\n")
    t = read_transcript(write(tmp_path, "film.srt", srt))
    got = [(t.speaker_label(u.speaker), u.start, u.text) for u in t.utterances]
    assert [(who, text) for who, _, text in got] == [
        ("Maya", "We need the price under 400k."), ("Greg", "Our floor is 450k."), ("Maya", "We are far apart."),
        ("Greg", "Then we talk terms today."), ("S2", "hello from the room")]   # the caption mark is not speech
    assert [start for _, start, _ in got][:3] == [1.0, 3.5, 5.5] and 6.5 < got[3][1] < 7.5   # the cue's time shared


def test_captions_that_name_the_speaker_only_on_change(tmp_path):
    cues = ["Maya: Before we sign anything,", "procurement needs the price under 400k.", "Greg: Our floor is 450k.",
            "Sales cannot go any lower.", "Maya: Then we are far apart.", ">> Tom: For IT, time is the problem.",
            "We need twelve weeks.", "Greg: Twelve weeks?"]
    srt = "".join(f"{k + 1}\n00:00:{2 * k:02d},000 --> 00:00:{2 * k + 1:02d},500\n{c}\n\n" for k, c in enumerate(cues))
    t = read_transcript(write(tmp_path, "film.srt", srt))
    assert [(t.speaker_label(u.speaker), u.turn, u.text) for u in t.utterances] == [
        ("Maya", 0, "Before we sign anything, procurement needs the price under 400k."),
        ("Greg", 2, "Our floor is 450k. Sales cannot go any lower."),
        ("Maya", 4, "Then we are far apart."),
        ("Tom", 5, "For IT, time is the problem. We need twelve weeks."),
        ("Greg", 7, "Twelve weeks?")]


@pytest.mark.parametrize("names,on_change", [
    (["Maya", None, "Greg", None, "Maya", "Greg"], True),
    (["Maya", "Maya", None, "Greg", "Maya", "Greg"], False),       # Zoom: a known speaker's cues repeat the name
    (["Maya", "Greg", "Maya", "Greg"], False),                     # every cue named: nothing to fill
    ([None, "Note", None, None, "Update", None, "Note", None], False),   # stray leads, one recurring
    (["Maya", None, "Greg", None], False)])                        # too few to tell
def test_names_on_change_needs_recurring_alternating_names(names, on_change):
    from talkscan.readers.vtt import names_on_change

    assert names_on_change(names) is on_change


@pytest.mark.parametrize("prev,gap,splits", [
    ("Let me check with sales.", 2.5, True), ('He said "June."', 2.5, True), ("(That was the plan.)", 2.0, True),
    ("Let me check with", 2.5, False), ('He said "June.', 1.0, False), ("", 3.0, False)])
def test_a_pause_splits_only_after_a_sentence_end(prev, gap, splits):
    from talkscan.readers.common import pause_splits

    assert pause_splits(prev, 10.0, 10.0 + gap) is splits
    assert pause_splits(prev, None, 12.0) is False


@pytest.mark.parametrize("ext", ["srt", "vtt", "txt"])
def test_bracketed_speaker_labels_as_whisperx_writes_them(tmp_path, ext):
    lines = ["[SPEAKER_00]: We need the price down by ten percent.", "[SPEAKER_01]: IT needs twelve weeks."]
    if ext == "txt":
        text = "[00:00:01] " + lines[0] + "\n[00:00:04] " + lines[1] + "\n"
    else:
        sep = "," if ext == "srt" else "."
        text = ("WEBVTT\n\n" if ext == "vtt" else "") + "".join(
            f"{k + 1}\n00:00:0{3 * k + 1}{sep}000 --> 00:00:0{3 * k + 3}{sep}000\n{line}\n\n" for k, line in enumerate(lines))
    t = read_transcript(write(tmp_path, f"wx.{ext}", text))
    assert [s.name for s in t.speakers] == ["SPEAKER_00", "SPEAKER_01"]
    assert [u.text for u in t.utterances] == ["We need the price down by ten percent.", "IT needs twelve weeks."]
    assert t.utterances[1].start == 4


@pytest.mark.parametrize("cue,name", [
    ("That helps. Picture September: the system is live.", None), ("Really? Then: June.", None),
    ("Maya Chen (Head of Procurement): we need it.", "Maya Chen (Head of Procurement)"),
    ("The plan (as agreed last week): hold at 400k.", None),
    ("Dr. Okafor: we need it.", "Dr. Okafor"), ("J. Smith: yes.", "J. Smith"), ("Smith, John: hello.", "Smith, John")])
def test_a_colon_after_a_sentence_is_the_speakers_own(cue, name):
    from talkscan.readers.vtt import split_speaker

    assert split_speaker(cue)[0] == name


def test_a_lead_found_once_in_captions_that_name_nobody_is_text(tmp_path):
    lines = ["We looked at the rollout.", "Picture September: the system is live.", "Everyone is trained.",
             "That is the plan."]
    vtt = "WEBVTT\n" + "".join(f"\n00:00:0{2 * k}.000 --> 00:00:0{2 * k + 1}.000\n{x}\n" for k, x in enumerate(lines))
    t = read_transcript(write(tmp_path, "nameless.vtt", vtt))
    assert len(t.speakers) == 1 and [u.text for u in t.utterances] == lines
    # where most cues are named, a participant who speaks once keeps the name
    named = ["Maya: We need May.", "Greg: June.", "Maya: May.", "Kim: Agreed."]
    vtt = "WEBVTT\n" + "".join(f"\n00:00:0{2 * k}.000 --> 00:00:0{2 * k + 1}.000\n{x}\n" for k, x in enumerate(named))
    assert [s.name for s in read_transcript(write(tmp_path, "named.vtt", vtt)).speakers] == ["Maya", "Greg", "Kim"]


def test_a_bracketed_name_without_a_colon_counts_only_where_every_cue_has_one(tmp_path):
    cues = ["[SPEAKER_00] We need the price down by ten percent.", "[SPEAKER_01] IT needs twelve weeks.",
            "[SPEAKER_00] Twelve weeks?"]
    srt = "".join(f"{k + 1}\n00:00:0{3 * k},000 --> 00:00:0{3 * k + 2},000\n{c}\n\n" for k, c in enumerate(cues))
    t = read_transcript(write(tmp_path, "old-whisperx.srt", srt))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("SPEAKER_00", "We need the price down by ten percent."), ("SPEAKER_01", "IT needs twelve weeks."),
        ("SPEAKER_00", "Twelve weeks?")]
    # a sound now and then in named captions stays text
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Maya>We need it by May.</v>\n\n"
           "00:00:03.000 --> 00:00:04.000\n[Laughs] Fine, June.\n")
    t = read_transcript(write(tmp_path, "sound.vtt", vtt))
    assert [u.text for u in t.utterances] == ["We need it by May.", "[Laughs] Fine, June."]


def test_whisperx_json_segments(tmp_path):
    segments = [
        {"start": 0.5, "end": 2.1, "text": " We need the price", "speaker": "SPEAKER_00", "words": []},
        {"start": 2.2, "end": 4.0, "text": " down by ten percent.", "speaker": "SPEAKER_00"},
        {"start": 4.6, "end": 6.0, "text": " IT needs twelve weeks.", "speaker": "SPEAKER_01"},
    ]
    t = read_transcript(write(tmp_path, "wx.json", json.dumps({"segments": segments, "language": "en"})))
    assert [(t.speaker_label(u.speaker), u.turn, u.start, u.end, u.text) for u in t.utterances] == [
        ("SPEAKER_00", 0, 0.5, 4.0, "We need the price down by ten percent."),
        ("SPEAKER_01", 2, 4.6, 6.0, "IT needs twelve weeks."),
    ]
    # plain Whisper has no speakers: every segment stays an utterance of one unnamed speaker
    plain = [{k: v for k, v in s.items() if k != "speaker"} for s in segments]
    t = read_transcript(write(tmp_path, "whisper.json", json.dumps({"text": "…", "segments": plain})))
    assert len(t.utterances) == 3 and len(t.speakers) == 1 and t.speakers[0].name is None


def test_speech_api_utterances_json(tmp_path):
    """AssemblyAI's and Deepgram's diarized output: one utterance per turn, AssemblyAI in ms."""
    aai = {"language_code": "en_us", "utterances": [
        {"speaker": "A", "text": "We need the price down by ten percent.", "start": 500, "end": 4000, "words": []},
        {"speaker": "B", "text": "IT needs twelve weeks.", "start": 4600, "end": 6000}]}
    dg = {"metadata": {}, "results": {"channels": [], "utterances": [
        {"speaker": 0, "transcript": "We need the price down by ten percent.", "start": 0.5, "end": 4.0},
        {"speaker": 1, "transcript": "IT needs twelve weeks.", "start": 4.6, "end": 6.0}]}}
    for name, d, who in (("aai.json", aai, ["Speaker A", "Speaker B"]), ("dg.json", dg, ["Speaker 0", "Speaker 1"])):
        t = read_transcript(write(tmp_path, name, json.dumps(d)))
        assert [(t.speaker_label(u.speaker), u.start, u.end) for u in t.utterances] == [
            (who[0], 0.5, 4.0), (who[1], 4.6, 6.0)], name
        assert t.utterances[1].text == "IT needs twelve weeks." and t.language == "en"
    with pytest.raises(MalformedTranscript, match="utterance 0 has no 'text'"):
        read_transcript(write(tmp_path, "bad.json", json.dumps({"utterances": [{"speaker": "A"}]})))


@pytest.mark.parametrize(
    "name,text,problem",
    [
        ("bad.vtt", "this is not a vtt file\n", "WEBVTT"),
        ("bad2.vtt", "WEBVTT\n\n1\n00:00:01.000 -> 00:00:02.000\nhello\n", "timing"),
        ("bad3.vtt", "WEBVTT\n\n00:00:xx.000 --> 00:00:02.000\nhello\n", "timing"),
        ("bad.srt", "1\nno timing here\nhello\n", "timing"),
        ("bad2.srt", "1\n00:00:01,000 --> 00:0x:02,000\nhello\n", "timing"),
        ("notes.txt", "just some notes\nwithout any speaker names\n", "Name: text"),
        ("bad.json", "{not json", "not valid JSON"),
        ("other.json", '{"hello": 1}', "neither a talkscan transcript"),
        ("whisper.json", '{"segments": [{"start": 0, "end": 1}]}', "segment 0 has no 'text'"),
        ("whisper2.json", '{"segments": [{"start": "soon", "end": 1, "text": "hi"}]}', "not a number"),
        ("whisper3.json", '{"segments": [{"start": 0, "end": 1, "text": "  "}]}', "no segments with text"),
        # each of these used to pass, or fail as an internal error or with Python's own words
        ("reversed.srt", "1\n00:00:04,000 --> 00:00:01,000\nMaya: hello\n", "ends before it starts"),
        ("whisper4.json", '{"segments": [{"start": 5, "end": 1, "text": "hi"}]}', "segment 0 ends before it starts"),
        ("nan.json", '{"segments": [{"start": NaN, "end": Infinity, "text": "hi"}]}', "NaN, which is not a JSON number"),
        ("deep.json", "[" * 100000 + "]" * 100000, "nested too deeply"),
        ("own.json", '{"speakers": [{"id": "S0"}], "utterances": [{"speaker": "S0", "text": "hi", "start": 0}]}',
         "utterance 0 has no 'id'"),
        ("own2.json", '{"speakers": [{"id": "S0"}], "utterances": [{"id": "u0", "speaker": "S0", "text": "hi", '
         '"start": "a"}]}', "utterance 0 has a 'start' time that is not a number"),
        ("own3.json", '{"speakers": [{"name": "Maya"}], "utterances": []}', "speaker 0 has no 'id'"),
        ("own4.json", '{"speakers": [{"id": "S0"}], "utterances": [{"id": "u0", "speaker": "S0", "text": "hi", '
         '"start": 9, "end": 2}]}', "utterance 0 ends before it starts"),
        ("own5.json", '{"speakers": [{"id": "S0"}], "utterances": [{"id": "u0", "speaker": "S0", "text": "hi", '
         '"start": -3, "end": 2}]}', "utterance 0 has a negative 'start' time"),
    ],
)
def test_malformed_transcripts_name_the_problem(tmp_path, name, text, problem):
    with pytest.raises(MalformedTranscript) as e:
        read_transcript(write(tmp_path, name, text))
    assert problem in str(e.value)
    assert str(e.value).startswith(str(tmp_path / name))


MEET_TXT = """Vendor renewal sync (Nov 26, 2026) - Transcript

Attendees
Maya Chen, Greg Otis, Tom Reyes

Transcript

00:00:00

Maya Chen: We need the year-one price under four twenty.
Greg Otis: Under four twenty?
Maya Chen: That's the mandate I have.

00:05:00

Tom Reyes: IT needs at least twelve weeks for the rollout.
"""

ZOOM_CAPTIONS_TXT = """[Maya Chen] 10:02:15 We need the year-one price under four twenty.
[Greg Otis] 10:02:21
Under four twenty? [laughs]
[inaudible] that's a big ask.
[Tom Reyes] 10:02:25 IT needs twelve weeks.
"""

HEADINGS_TXT = """Maya Chen  0:03
We need the year-one price under four twenty.
Let's meet at 10:30 to settle it.

Greg Otis  0:11
Under four twenty?
"""

NOTES_TXT = """Meeting: Vendor renewal
Date: 2026-11-26
Attendees: Maya, Greg, Tom

Maya: We need the year-one price under four twenty.
Greg: Under four twenty?
"""


def test_meet_transcript_document(tmp_path):
    """Meet's times on lines of their own time the turns after them; turns in between are placed by words."""
    t = read_transcript(write(tmp_path, "meet.txt", MEET_TXT))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya Chen", "Greg Otis", "Maya Chen", "Tom Reyes"]
    assert [u.text for u in t.utterances][1] == "Under four twenty?"          # no "00:05:00" in the text
    starts = [u.start for u in t.utterances]
    assert starts[0] == 0 and starts[3] == 300 and 0 < starts[1] < starts[2] < 300
    assert t.utterances[2].end == 300


def test_zoom_saved_captions(tmp_path):
    t = read_transcript(write(tmp_path, "zoom.txt", ZOOM_CAPTIONS_TXT))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya Chen", "Greg Otis", "Tom Reyes"]
    assert t.utterances[1].text == "Under four twenty? [laughs] [inaudible] that's a big ask."
    assert [u.start for u in t.utterances] == [0, 6, 10]   # clock times, counted from the first caption
    # one speaker's captions in a row are one turn
    more = ZOOM_CAPTIONS_TXT + "[Tom Reyes] 10:02:27 Maybe fourteen.\n[Maya Chen] 10:02:31 Twelve it is.\n"
    t = read_transcript(write(tmp_path, "zoom2.txt", more))
    assert [(t.speaker_label(u.speaker), u.turn, u.text) for u in t.utterances][2:] == [
        ("Tom Reyes", 2, "IT needs twelve weeks. Maybe fourteen."), ("Maya Chen", 4, "Twelve it is.")]


def test_name_and_time_headings_with_the_text_below(tmp_path):
    """Otter, or a Teams transcript pasted from Word; a sentence that ends in a time is still text."""
    t = read_transcript(write(tmp_path, "otter.txt", HEADINGS_TXT))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya Chen", "Greg Otis"]
    assert t.utterances[0].text.endswith("Let's meet at 10:30 to settle it.")
    assert [u.start for u in t.utterances] == [3, 11]


@pytest.mark.parametrize("maya,greg", [
    ("Maya Chen - 00:03", "Greg Otis - 00:11"), ("Maya Chen | 00:03", "Greg Otis | 00:11"),
    ("Maya Chen, 00:03", "Greg Otis, 00:11"), ("**Maya Chen** [00:00:03]", "**Greg Otis** [00:00:11]"),
    ("Maya Chen (00:03)", "Greg Otis (00:11)"), ("Maya Chen [00:03]", "Greg Otis [00:11]"),
    ("00:03 Maya Chen", "00:11 Greg Otis"), ("[00:03] Maya Chen", "[00:11] Greg Otis"),
    ("@0:03 - Maya Chen", "@0:11 - Greg Otis")])
def test_heading_layouts_of_other_notes_tools(tmp_path, maya, greg):
    text = f"{maya}\nWe need the price\nunder four twenty.\n\n{greg}\nUnder four twenty?\n\n{greg}\nThat's a big ask.\n"
    t = read_transcript(write(tmp_path, "notes.txt", text))
    assert [(t.speaker_label(u.speaker), u.start, u.text) for u in t.utterances] == [
        ("Maya Chen", 3, "We need the price under four twenty."), ("Greg Otis", 11, "Under four twenty? That's a big ask.")]


@pytest.mark.parametrize("sep", [" ", " - "])
def test_a_stray_heading_in_name_text_turns_stays_in_the_turn(tmp_path, sep):
    text = (f"Maya: Here is where we are.\nPricing{sep}10:30\nWe hold at four twenty.\nGreg: Fine.\n"
            "Maya: Next.\nTom: Twelve weeks.\n")
    t = read_transcript(write(tmp_path, "agenda.txt", text))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya", f"Here is where we are. Pricing{sep}10:30 We hold at four twenty."), ("Greg", "Fine."),
        ("Maya", "Next."), ("Tom", "Twelve weeks.")]


def test_header_lines_before_the_first_turn_are_not_speakers(tmp_path):
    t = read_transcript(write(tmp_path, "notes.txt", NOTES_TXT))
    assert [s.name for s in t.speakers] == ["Maya", "Greg"]
    assert t.utterances[0].text.startswith("We need")


@pytest.mark.parametrize("text", [
    "Maya [00:03]: We need the price under four twenty.\nGreg [00:09]: Under four twenty?\n",
    "**Maya:** We need the price under four twenty.\n**Greg**: Under four twenty?\n",
    "Maya:\nWe need the price\nunder four twenty.\n\nGreg:\nUnder four twenty?\n",
    "Maya (00:03):\nWe need the price\nunder four twenty.\n\nGreg (00:09):\nUnder four twenty?\n",
    "Maya: (00:03)\nWe need the price\nunder four twenty.\n\nGreg: (00:09)\nUnder four twenty?\n",
    "- Maya: We need the price under four twenty.\n- Greg: Under four twenty?\n",
    "• **Maya:** We need the price under four twenty.\n• **Greg:** Under four twenty?\n",
    "Speaker\tText\nMaya\tWe need the price under four twenty.\nGreg\tUnder four twenty?\n",
    "00:03\tMaya\tWe need the price\tunder four twenty.\n00:09\tGreg\tUnder four twenty?\n",
    "Time\tSpeaker\tText\n00:03\tMaya\tWe need the price under four twenty.\n00:09\tGreg\tUnder four twenty?\n",
    "start\tend\tspeaker\ttext\n00:03\t00:08\tMaya\tWe need the price under four twenty.\n"
    "00:09\t00:10\tGreg\tUnder four twenty?\n",
])
def test_other_name_layouts(tmp_path, text):
    """A bracketed time after the name, Markdown bold names, a name line with the text below, that
    line timed in Rev's two ways, turns as list items, and a spreadsheet's columns saved as text (a
    header row, a time column, a tab inside the text)."""
    t = read_transcript(write(tmp_path, "notes.txt", text))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya", "Greg"]
    assert [u.text for u in t.utterances] == ["We need the price under four twenty.", "Under four twenty?"]
    if "00:03" in text:
        assert [u.start for u in t.utterances] == [3, 9]


@pytest.mark.parametrize("text, turns", [
    # a table pasted into a turn: its rows are not speakers
    ("Maya: here's the table\nItem\tPrice\nLicence\t$40k\nSupport\t$10k\nGreg: ok\n",
     [("Maya", "here's the table Item Price Licence $40k Support $10k"), ("Greg", "ok")]),
    # an agenda in a turn, as a list: its times are not headings
    ("Maya: agenda\n- 10:30 Pricing\n- 11:00 Legal\nGreg: ok\n",
     [("Maya", "agenda - 10:30 Pricing - 11:00 Legal"), ("Greg", "ok")]),
    # a speaker called "Speaker" is one
    ("Speaker: Hello everyone, thanks for joining.\nMaya: hi\nSpeaker: ok\n",
     [("Speaker", "Hello everyone, thanks for joining."), ("Maya", "hi"), ("Speaker", "ok")]),
    # a longer table pasted into a short exchange, and one after it
    ("Maya: Here is the price table from the vendor.\n" + "".join(f"Item {i}\t${i}0k\n" for i in range(1, 12))
     + "Greg: Thanks, that is too high.\n",
     [("Maya", "Here is the price table from the vendor. " + " ".join(f"Item {i} ${i}0k" for i in range(1, 12))),
      ("Greg", "Thanks, that is too high.")]),
    ("Maya: prices below\nGreg: ok\n" + "Licences\t200\tEUR\n" * 12,
     [("Maya", "prices below"), ("Greg", "ok" + " Licences 200 EUR" * 12)]),
    # a spreadsheet's text cell with a colon in it
    ("00:00:01\tMaya\tThe price: 40k per seat\n00:00:05\tGreg\tNote: too high\n",
     [("Maya", "The price: 40k per seat"), ("Greg", "Note: too high")]),
])
def test_lines_inside_a_turn_stay_text(tmp_path, text, turns):
    t = read_transcript(write(tmp_path, "notes.txt", text))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == turns


def test_spreadsheet_rows_of_every_labelled_meeting_read_back_as_written():
    """Each meeting of data/dialogues as a spreadsheet's rows (with and without a header row and a
    time column): the same speakers and turns, short replies ("Ok.") and names such as "Élodie"
    included."""
    import json

    from talkscan.readers.txt import parse

    root = Path(__file__).resolve().parents[1] / "data" / "dialogues"
    for path in sorted(root.glob("*/*.json"))[::7]:
        turns = [(t["speaker"], " ".join(t["text"].split())) for t in json.loads(path.read_text())["turns"]]
        for header, timed in ((True, True), (True, False), (False, True), (False, False)):
            rows = ["Time\tSpeaker\tText" if timed else "Speaker\tText"] if header else []
            rows += [(f"00:{k // 60:02d}:{k % 60:02d}\t" if timed else "") + f"{who}\t{text}" for k, (who, text) in enumerate(turns)]
            t = parse("\n".join(rows) + "\n", path.name)
            assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == turns, (path.name, header, timed)


def test_a_row_of_tabs_reads_in_linear_time():
    import time

    from talkscan.readers.txt import parse

    t0 = time.perf_counter()
    with pytest.raises(Exception):
        parse("Maya" + "\t" * 5000 + "\n", "x.txt")
    assert time.perf_counter() - t0 < 1.0   # a backtracking pattern took 1.8 s for 800 tabs


def test_a_lower_case_line_ending_in_a_colon_stays_text(tmp_path):
    t = read_transcript(write(tmp_path, "notes.txt", "Maya: Two things matter to me, as follows:\nprice and dates.\n"))
    assert [u.text for u in t.utterances] == ["Two things matter to me, as follows: price and dates."]


NOTES_WITH_SECTIONS = """Meeting summary
Procurement and IT disagreed on the timeline.

Transcript
Maya: We need the price under four twenty.
Greg: Under four twenty?

## Action items
- Maya to send the quote
- Greg: check the SOW
Next Steps:
Follow up on Friday.
Greg: One more thing: the SOW.
Summary: Maya holds the price, Greg the SOW.
"""


def test_notes_sections_are_nobodys_speech(tmp_path):
    """A summary, action items and next steps, as notes tools and AI summaries add them: not
    speakers, not text of the turn before them, and a turn after them still counts."""
    t = read_transcript(write(tmp_path, "notes.txt", NOTES_WITH_SECTIONS))
    assert [s.name for s in t.speakers] == ["Maya", "Greg"]
    assert [u.text for u in t.utterances] == [
        "We need the price under four twenty.", "Under four twenty?", "One more thing: the SOW."]


@pytest.mark.parametrize("text", ["Maya: Two points.\nNext steps are on me.\n", "Maya: Our notes:\nprice first.\n"])
def test_a_section_word_inside_speech_stays_speech(tmp_path, text):
    t = read_transcript(write(tmp_path, "notes.txt", text))
    assert len(t.utterances) == 1 and t.utterances[0].text == " ".join(text.split("\n")[:2]).replace("Maya: ", "")


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
def test_txt_in_the_encodings_windows_tools_write(tmp_path, encoding):
    p = tmp_path / "a.txt"
    p.write_bytes("Maya: We’re at four twenty – that’s firm.\nGreg: Four twenty?\n".encode(encoding))
    t = read_transcript(p)
    assert t.utterances[0].text == "We’re at four twenty – that’s firm." and len(t.utterances) == 2


def test_a_binary_file_named_txt_is_refused_clearly(tmp_path):
    p = tmp_path / "audio.txt"
    p.write_bytes(b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00\xff\xfa")
    with pytest.raises(MalformedTranscript) as e:
        read_transcript(p)
    assert "binary" in str(e.value) and str(e.value).startswith(str(p))


def _docx(path: Path, paragraphs: list[str]) -> Path:
    """A minimal Word document, as Teams' 'Download as .docx' lays a transcript out."""
    import zipfile
    from xml.sax.saxutils import escape

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t xml:space='preserve'>{escape(p).replace(chr(9), '</w:t><w:tab/><w:t>')}</w:t></w:r></w:p>"
                   for p in paragraphs)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>")
        z.writestr("word/document.xml", f"<w:document xmlns:w='{w}'><w:body>{body}</w:body></w:document>")
    return path


def test_teams_docx_transcript(tmp_path):
    p = _docx(tmp_path / "teams.docx", ["Pricing sync", "November 26, 2026, 10:02AM", "",
                                        "Maya Chen\t0:03", "We need the year-one price under four twenty.",
                                        "Greg Otis   0:11", "Under four twenty?", "That's a big ask."])
    t = read_transcript(p)
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya Chen", "Greg Otis"]
    assert t.utterances[1].text == "Under four twenty? That's a big ask." and t.utterances[1].start == 11
    # 'Name: text' lines keep a turn each, even beside a line that reads as a Teams heading
    t = read_transcript(write(tmp_path, "mixed.txt", "Maya: Price first.\nMaya: Then dates.\nTuesday 10:30\nGreg: Fine.\n"))
    assert [u.text for u in t.utterances] == ["Price first.", "Then dates.", "Fine."]
    # Teams starts a new entry where its speaker pauses: one speaker's entries in a row are one turn
    p = _docx(tmp_path / "teams2.docx", ["Maya Chen   0:03", "We need the year-one price", "Maya Chen   0:06",
                                         "under four twenty.", "Greg Otis   0:11", "Under four twenty?"])
    t = read_transcript(p)
    assert [(t.speaker_label(u.speaker), u.turn, u.start, u.text) for u in t.utterances] == [
        ("Maya Chen", 0, 3, "We need the year-one price under four twenty."), ("Greg Otis", 2, 11, "Under four twenty?")]


@pytest.mark.parametrize("text,date", [
    (MEET_TXT, "2026-11-26"),                                   # Meet's title line
    ("Pricing sync\nNovember 26, 2026, 10:02AM\n35m 12s\n\nMaya Chen   0:03\nWe need it.\n", "2026-11-26"),  # Teams
    ("Title: sync\nDate: 4 March 2026\nMaya: hi\n", "2026-03-04"),
    ("Date: 2026-03-04\nMaya: hi\n", "2026-03-04"),
    ("Maya: can we sign by March 3, 2027?\nGreg: 2026-01-05 at the latest.\n", None),   # said in a turn
    ("Sync\nFeb 30, 2026\nMaya: hi\n", None),                # no such day
])
def test_the_meeting_date_from_a_transcript_header(text, date):
    from talkscan.readers.header import header_date

    assert header_date(text.splitlines()) == date


def _compound_file(path: Path, stream: str) -> Path:
    """The start of an OLE compound file whose directory names `stream` (UTF-16, as Word writes it)."""
    sector = bytearray(512)
    name = stream.encode("utf-16-le") + b"\0\0"
    sector[: len(name)] = name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + bytes(sector) + bytes(1024))
    return path


@pytest.mark.parametrize("stream,words", [("EncryptedPackage", "password-protected"), ("WordDocument", "(.doc)")])
def test_a_protected_or_old_word_file_says_which(tmp_path, stream, words):
    """Both are OLE compound files, which read as "not a Word document": a protected transcript is
    one, and the user needs to know to save an unprotected copy."""
    p = _compound_file(tmp_path / "sync.docx", stream)
    with pytest.raises(MalformedTranscript) as e:
        read_transcript(p)
    assert words in str(e.value) and str(e.value).startswith(str(p))


def test_a_file_named_docx_that_is_not_one_is_refused_clearly(tmp_path):
    p = write(tmp_path, "notes.docx", "Maya: hello\n")
    with pytest.raises(MalformedTranscript) as e:
        read_transcript(p)
    assert "Word (.docx)" in str(e.value) and str(e.value).startswith(str(p))


def test_a_folder_skips_word_lock_files_and_hidden_files(tmp_path):
    from talkscan.pipeline import collect_inputs

    _docx(tmp_path / "sync.docx", ["Maya Chen  0:03", "We need it under four twenty."])
    (tmp_path / "~$sync.docx").write_bytes(b"\x05Maya\x00" * 20)   # Word's owner file while sync.docx is open
    (tmp_path / ".notes.txt").write_text("Maya: hidden\n")
    assert [p.name for p in collect_inputs(tmp_path)] == ["sync.docx"]


def test_utterances_timed_at_one_end_are_timed_at_both(tmp_path):
    """Exports that leave `end` (or `start`) empty crashed the statistics with an internal error."""
    import json

    segs = [{"start": 0.0, "end": None, "text": "We need twelve weeks.", "speaker": "A"},
            {"start": 3.0, "end": None, "text": "Twelve weeks?", "speaker": "B"},
            {"start": None, "end": 9.0, "text": "Yes, twelve.", "speaker": "A"}]
    t = read_transcript(write(tmp_path, "whisper.json", json.dumps({"segments": segs})))
    assert [(u.start, u.end) for u in t.utterances] == [(0.0, 3.0), (3.0, 4.0), (4.0, 9.0)]
    from conftest import run_cli

    r = run_cli("run", str(tmp_path / "whisper.json"), "--out", str(tmp_path / "out"), "--quiet")
    assert r.returncode == 0 and "internal error" not in r.stderr, r.stderr


OTTER_WITH_A_LEAD = """Maya Chen  0:01
Procurement needs the price under 300,000.

Greg Park  0:07
Our floor is 340,000.

Priya Nair  0:12
Picture April: the system running, the audit passed.

Greg Park  0:20
I would like that.
"""


@pytest.mark.parametrize("text", [
    OTTER_WITH_A_LEAD,
    # Rev's layout, the name and time on a line of their own
    OTTER_WITH_A_LEAD.replace("  0:01", " (00:01):").replace("  0:07", " (00:07):").replace("  0:12", " (00:12):")
    .replace("  0:20", " (00:20):"),
])
def test_a_lead_inside_a_headed_turn_stays_in_it(tmp_path, text):
    """Where turns start on a line of their own, a `Word: text` line whose word heads no turn is the
    speaker's text ("Picture April: …" used to become a fifth speaker and take Priya's words)."""
    t = read_transcript(write(tmp_path, "otter.txt", text))
    assert [s.name for s in t.speakers] == ["Maya Chen", "Greg Park", "Priya Nair"]
    assert (t.speaker_label(t.utterances[2].speaker), t.utterances[2].text) == (
        "Priya Nair", "Picture April: the system running, the audit passed.")


@pytest.mark.parametrize("lead, speaker", [
    ("Bottom line", False), ("Quick question", False),
    # names and roles used once stay speakers, lower-case words and all
    ("Audience member", True), ("Jan van Dijk", True), ("Anne d'Arcy", True), ("Project office", True),
    ("Maya (procurement)", True),
])
def test_an_aside_phrase_as_a_lead_is_text(tmp_path, lead, speaker):
    text = (f"Maya: We need the price under 300,000.\nGreg: Our floor is 340,000.\nPriya: Let me put it this way.\n"
            f"{lead}: the go-live date is fixed.\nand that is final.\nTom: Ten weeks, at least.\nMaya: Noted.\n")
    t = read_transcript(write(tmp_path, "notes.txt", text))
    names = [s.name for s in t.speakers]
    assert (lead in names) is speaker
    if not speaker:
        assert t.utterances[2].text == f"Let me put it this way. {lead}: the go-live date is fixed. and that is final."


def test_a_lead_and_the_lines_after_it_stay_in_a_headed_turn(tmp_path):
    """The lines after a folded lead come with it (the first version kept only the lead's line)."""
    text = ("Maya Chen  0:03\nWe need the price down.\nPicture April: the system running\nand more text.\n\n"
            "Greg Park  0:10\nNo way.\n\nMaya Chen  0:15\nFine.\n")
    t = read_transcript(write(tmp_path, "otter.txt", text))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya Chen", "We need the price down. Picture April: the system running and more text."),
        ("Greg Park", "No way."), ("Maya Chen", "Fine.")]


def test_a_lower_case_word_of_another_alphabet_is_not_a_heading(tmp_path):
    """"środa 10:30" wrapped from the line above is text, as "Friday 10:30" would not be."""
    text = "Maya Kowalska  0:03\nSpotkanie przesuwamy na\nśroda 10:30\n\nJan Nowak  0:10\nDobrze.\n"
    t = read_transcript(write(tmp_path, "otter.txt", text))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya Kowalska", "Spotkanie przesuwamy na środa 10:30"), ("Jan Nowak", "Dobrze.")]


def test_headed_layouts_of_every_labelled_meeting_keep_their_speakers():
    """Each meeting of data/dialogues written as Otter ("Name  0:03") and Rev ("Name (00:03):")
    write it, the text below: the writers' speakers and no others. Before `Word: text` lines were
    read as text there, "Picture May: …" and the like made 332 of 938 meetings gain a speaker, and
    "Élodie  0:03" was not a heading."""
    import json

    from talkscan.readers.txt import parse

    root = Path(__file__).resolve().parents[1] / "data" / "dialogues"
    for path in sorted(root.glob("*/*.json"))[::5]:
        turns = [(t["speaker"], " ".join(t["text"].split())) for t in json.loads(path.read_text())["turns"]]
        for head in ("{name}  {m}:{s:02d}", "{name} ({m:02d}:{s:02d}):"):
            text = "\n\n".join(head.format(name=who, m=k // 60, s=k % 60) + "\n" + said for k, (who, said) in enumerate(turns))
            t = parse(text + "\n", path.name)
            assert {s.name for s in t.speakers} == {who for who, _ in turns}, (path.name, head)


@pytest.mark.parametrize("text", [
    "10:00:01 From Maya Chen to Everyone:\n\tWe need the price under four twenty.\n"
    "10:00:07 From Greg Park to Everyone:\n\tUnder four twenty?\n"
    "10:00:09 From Greg Park to Maya Chen (Direct Message):\n\tThat's a big ask.\n",
    "10:00:01\t From  Maya Chen : We need the price under four twenty.\n"
    "10:00:07\t From  Greg Park : Under four twenty?\n10:00:09\t From  Greg Park : That's a big ask.\n",
])
def test_zoom_saved_chat(tmp_path, text):
    """Zoom's chat export, new and old: it used to read as one speaker, the last message's first words
    ("Picture April"), holding everything."""
    t = read_transcript(write(tmp_path, "meeting_saved_chat.txt", text))
    assert [(t.speaker_label(u.speaker), u.start, u.text) for u in t.utterances] == [
        ("Maya Chen", 0, "We need the price under four twenty."), ("Greg Park", 6, "Under four twenty? That's a big ask.")]


def test_lines_ended_by_cr_alone(tmp_path):
    """Old Mac line ends: the whole file read as one turn of the first speaker."""
    p = tmp_path / "cr.txt"
    p.write_bytes(b"Maya: We need the price lower.\rGreg: IT needs twelve weeks.\rMaya: So timing is the problem.\r")
    t = read_transcript(p)
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya", "We need the price lower."), ("Greg", "IT needs twelve weeks."), ("Maya", "So timing is the problem.")]


def test_zoom_saved_chat_in_lower_case(tmp_path):
    """Some Zoom versions write "from … to" in lower case; it read as one speaker, "10:00:01 from Maya
    Chen to Everyone", holding the whole chat."""
    text = ("10:00:01 from Maya Chen to everyone:\n\tWe need the price under four twenty.\n"
            "10:00:07 from Greg Park to everyone:\n\tUnder four twenty?\n")
    t = read_transcript(write(tmp_path, "meeting_saved_chat.txt", text))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya Chen", "Greg Park"]


@pytest.mark.parametrize("name,text", [
    ("captions.txt", "[Maya Chen] 23:59:50 We need the price under four twenty.\n"
                     "[Greg Park] 00:00:04 Under four twenty?\n[Maya Chen] 00:00:09 Yes.\n"),
    ("meeting_saved_chat.txt", "23:59:50 From Maya Chen to Everyone:\n\tWe need the price under four twenty.\n"
                               "00:00:04 From Greg Park to Everyone:\n\tUnder four twenty?\n"),
])
def test_clock_times_across_midnight(tmp_path, name, text):
    """A meeting that runs past midnight: the clock goes back to 00:00, the meeting goes on. The
    times after midnight used to come out about a day negative."""
    t = read_transcript(write(tmp_path, name, text))
    assert [u.start for u in t.utterances][:2] == [0, 14]


@pytest.mark.parametrize("d", [{"utterances": []}, {"speakers": [], "utterances": "x"}, []])
def test_a_talkscan_transcript_without_its_lists_is_malformed(d):
    """A hand-edited transcript.json that lost 'speakers' reached `update` and a batch's planning as a
    KeyError, a traceback that stopped the batch."""
    from talkscan.readers.json_reader import talkscan_transcript

    with pytest.raises(MalformedTranscript, match="'speakers' and 'utterances'"):
        talkscan_transcript(d, "transcript.json")


def test_text_before_the_first_turn_is_left_out_with_a_note_when_it_could_be_speech(tmp_path):
    # a title and a date are a header; a paragraph is speech whose speaker line was not recognised
    head = "Q3 renewal sync\n2026-03-02\n"
    t = read_transcript(write(tmp_path, "title.txt", head + "Maya: We need 400k.\nGreg: Our floor is 450k.\n"))
    assert [u.text for u in t.utterances] == ["We need 400k.", "Our floor is 450k."] and t.notes == []
    speech = ("Chair of the meeting - I call this meeting to order. Welcome, everyone; today we settle the renewal "
              "price and the go-live date.\n")
    t = read_transcript(write(tmp_path, "speech.txt", speech + "Maya: We need 400k.\nGreg: Our floor is 450k.\n"))
    assert len(t.utterances) == 2
    assert len(t.notes) == 1 and "the 23 words before the first 'Name: text' line" in t.notes[0]
    assert '"Chair of the meeting - I call this…"' in t.notes[0]


def test_teams_own_lines_are_nobodys_speech(tmp_path):
    p = _docx(tmp_path / "teams.docx", ["Pricing sync", "Maya Chen started transcription", "Maya Chen   0:03",
                                        "We need the price under four twenty.", "Greg Otis   0:11", "Bye.",
                                        "Maya Chen stopped transcription"])
    t = read_transcript(p)
    assert [u.text for u in t.utterances] == ["We need the price under four twenty.", "Bye."]


def test_a_docx_cut_short_is_called_damaged_not_foreign(tmp_path):
    p = _docx(tmp_path / "sync.docx", ["Maya Chen  0:03", "We need it under four twenty. " * 200])
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) * 6 // 10])
    with pytest.raises(MalformedTranscript, match="damaged or incomplete Word"):
        read_transcript(p)


def test_a_vtt_cut_short_keeps_its_cues_and_says_so(tmp_path):
    cues = "".join(f"\n{k}\n00:00:{2 * k:02d}.000 --> 00:00:{2 * k + 1:02d}.500\n<v {n}>Turn {k} is here.</v>\n"
                   for k, n in enumerate(["Maya Chen", "Greg Otis", "Maya Chen", "Greg Otis"]))
    whole = "WEBVTT\n" + cues
    assert read_transcript(write(tmp_path, "whole.vtt", whole)).notes == []
    # cut inside the last cue's text, and inside its timing line
    t = read_transcript(write(tmp_path, "text.vtt", whole[: whole.rindex("is here")]))
    assert len(t.utterances) == 4 and t.notes and "cut short" in t.notes[0] and "('…Turn 3')" in t.notes[0]
    t = read_transcript(write(tmp_path, "timing.vtt", whole[: whole.rindex("-->") + 6]))
    assert len(t.utterances) == 3 and t.notes and "inside a cue's timing line" in t.notes[0]


def test_turns_between_sparse_time_marks_are_said_to_be_estimated(tmp_path):
    t = read_transcript(write(tmp_path, "meet.txt", MEET_TXT))
    assert any("2 of 4 turns carry no time of their own" in n for n in t.notes)
    timed = "[00:00:01] Maya: We need it.\n[00:00:04] Greg: No.\n"
    assert read_transcript(write(tmp_path, "timed.txt", timed)).notes == []


@pytest.mark.parametrize("greg,tom", [
    ("Park, Greg", "Okafor, Tom"),                  # the directory's "Last, First"
    ("Greg Park", "Tom Okafor (Guest)"),            # a guest
    ("Park, Greg (Contractor)", "Tom Okafor"),
    ("greg.park", "Tom Okafor"),                    # a login where the directory has no name
])
def test_teams_headings_with_directory_names(tmp_path, greg, tom):
    p = _docx(tmp_path / "teams.docx", ["Pricing sync-20260615_133555-Meeting Transcript", "15 June 2026, 03:35am",
                                        "2m 12s", f"{greg} started transcription", "Maya Chen   0:03",
                                        "Procurement needs the price under four twenty.", f"{greg}   0:15",
                                        "Finance signed off on four sixty.", f"{tom}   0:27",
                                        "IT needs twelve weeks.", f"{greg} stopped transcription"])
    t = read_transcript(p)
    assert [(t.speaker_label(u.speaker), u.start, u.text) for u in t.utterances] == [
        ("Maya Chen", 3, "Procurement needs the price under four twenty."),
        (greg, 15, "Finance signed off on four sixty."), (tom, 27, "IT needs twelve weeks.")]


@pytest.mark.parametrize("footer", [
    "Transcription ended after 00:01:58\n\nThis editable transcript was computer generated and might contain errors. "
    "People can also change the text after it was created.\n",                        # Meet
    "\nTranscribed by https://otter.ai\n",                                             # Otter
])
def test_an_exports_closing_lines_are_nobodys_speech(tmp_path, footer):
    text = ("Pricing sync - Transcript\n00:00:00\n\nMaya Chen: We need four twenty.\n"
            "Greg Park: Let's meet halfway.\n\n\n" + footer)
    t = read_transcript(write(tmp_path, "meet.txt", text))
    assert [u.text for u in t.utterances] == ["We need four twenty.", "Let's meet halfway."]


@pytest.mark.parametrize("name,text,turns", [
    # Gemini's notes document: the notes before "📖 Transcript" are not turns
    ("gemini.txt",
     "📝 Notes\nMay 1, 2026\nPricing sync\nInvited Maya Chen Greg Park\n\nSummary\nThey disagreed on price.\n\n"
     "Details\nPrice: Maya Chen asked for four twenty; Greg Park held at four sixty (00:00:12).\n"
     "Timeline: Tom Okafor needs twelve weeks (00:00:40).\n\nSuggested next steps\nGreg Park will check.\n\n"
     "You should review Gemini's notes to make sure they're accurate.\n\n📖 Transcript\nMay 1, 2026\n"
     "Pricing sync - Transcript\n00:00:00\n\nMaya Chen: We need four twenty.\nGreg Park: Four sixty is the floor.\n",
     [("Maya Chen", "We need four twenty."), ("Greg Park", "Four sixty is the floor.")]),
    # Zoom's chat: reactions and the quotes above replies are not speech
    ("chat.txt",
     "10:02:15 From Maya Chen to Everyone:\n\tProcurement needs four twenty.\n"
     "10:03:05 From Tom Okafor to Everyone:\n\tReacted to \"Procurement needs...\" with 👍\n"
     "10:03:30 From Tom Okafor to Everyone:\n\tReplying to \"Procurement needs four...\"\n\t\n"
     "\tIT needs twelve weeks.\n",
     [("Maya Chen", "Procurement needs four twenty."), ("Tom Okafor", "IT needs twelve weeks.")]),
])
def test_an_exports_notes_reactions_and_quotes_are_not_turns(tmp_path, name, text, turns):
    t = read_transcript(write(tmp_path, name, text))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == turns


@pytest.mark.parametrize("name", ["J.R. Whitfield", "Maria de la Cruz Fernandez"])
def test_zoom_names_with_initials_or_particles(tmp_path, name):
    vtt = ("WEBVTT\n\n1\n00:00:02.000 --> 00:00:06.000\nMaya Chen: We need four twenty.\n\n"
           f"2\n00:00:07.000 --> 00:00:09.000\n{name}: Four sixty is the floor.\n\n"
           "3\n00:00:10.000 --> 00:00:12.000\nMaya Chen: Then we talk.\n")
    t = read_transcript(write(tmp_path, "zoom.vtt", vtt))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya Chen", "We need four twenty."), (name, "Four sixty is the floor."), ("Maya Chen", "Then we talk.")]
    t = read_transcript(write(tmp_path, "meet.txt", f"Maya Chen: We need four twenty.\n{name}: Four sixty is the floor.\n"))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya Chen", name]


def test_a_cue_with_two_voices_is_split_between_them(tmp_path):
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Maya Chen>We need four twenty.</v>\n"
           "<v Greg Park>Four sixty is the floor today.</v>\n\n00:00:05.000 --> 00:00:08.000\n<v Tom Okafor>Twelve weeks.</v>\n")
    t = read_transcript(write(tmp_path, "two.vtt", vtt))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya Chen", "We need four twenty."), ("Greg Park", "Four sixty is the floor today."), ("Tom Okafor", "Twelve weeks.")]
    assert t.utterances[0].start == 1 and t.utterances[1].end == 4
    assert t.utterances[0].end == pytest.approx(t.utterances[1].start) and 1 < t.utterances[0].end < 4


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark(tmp_path, encoding):
    p = tmp_path / "t.txt"
    p.write_bytes("Maya: We need four twenty – firmly.\nGreg: Four sixty.\n".encode(encoding))
    t = read_transcript(p)
    assert [u.text for u in t.utterances] == ["We need four twenty – firmly.", "Four sixty."]


@pytest.mark.parametrize("name,text", [
    ("late.vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:07.000\n<v Tom>IT needs twelve weeks.</v>\n\n"
                 "00:00:01.000 --> 00:00:03.000\n<v Maya>We need the price under 400k.</v>\n\n"
                 "00:00:08.000 --> 00:00:09.000\n<v Maya>Twelve weeks?</v>\n"),
    ("late.srt", "1\n00:00:05,000 --> 00:00:07,000\nTom: IT needs twelve weeks.\n\n"
                 "2\n00:00:01,000 --> 00:00:03,000\nMaya: We need the price under 400k.\n\n"
                 "3\n00:00:08,000 --> 00:00:09,000\nMaya: Twelve weeks?\n"),
])
def test_cues_out_of_time_order_are_read_in_time_order_and_noted(tmp_path, name, text):
    """Cues pasted together or edited by hand out of order: the turns were kept in file order, so
    "Twelve weeks?" followed a Maya turn it never answered, and times ran backwards in the report."""
    t = read_transcript(write(tmp_path, name, text))
    assert [(u.start, u.text) for u in t.utterances] == [
        (1.0, "We need the price under 400k."), (5.0, "IT needs twelve weeks."), (8.0, "Twelve weeks?")]
    assert [s.name for s in t.speakers] == ["Maya", "Tom"]
    assert any("out of time order (one at 0:01 came after one at 0:05)" in n for n in t.notes)
    in_order = read_transcript(write(tmp_path, "ok" + name[-4:], text.replace("00:00:05", "00:00:00")))
    assert not any("out of time order" in n for n in in_order.notes)


@pytest.mark.parametrize("name,text,where", [
    ("huge.vtt", "WEBVTT\n\n99999:00:00.000 --> 99999:00:01.000\n<v Tom>Hi.</v>\n", "line 3"),
    ("huge.srt", "1\n00:00:01,000 --> 25:00:02,000\nTom: Hi.\n", "25:00:02,000"),
])
def test_a_cue_more_than_a_day_in_is_refused(tmp_path, name, text, where):
    p = write(tmp_path, name, text)
    with pytest.raises(MalformedTranscript) as e:
        read_transcript(p)
    assert where in str(e.value) and "more than a day" in str(e.value) and str(e.value).startswith(str(p))
    # an hour's offset, as broadcast captions start, is a time like any other
    assert read_transcript(write(tmp_path, "offset" + name[-4:], text.replace("99999:", "01:").replace("25:", "01:")))


@pytest.mark.parametrize("heading", ["0:09", "Unknown Speaker  0:09", "Unidentified - 0:09"])
def test_a_paragraph_without_a_speakers_name_is_a_turn_of_its_own(tmp_path, heading):
    """A paragraph under a time alone, or under Otter's "Unknown Speaker", is someone else's turn, not
    more of the turn above it, and nobody's name."""
    text = (f"Maya Chen  0:03\nWe need the price under four twenty.\n\n{heading}\nThat is not possible this quarter.\n\n"
            "Maya Chen  0:15\nThen we need a longer timeline.\n")
    t = read_transcript(write(tmp_path, "otter.txt", text))
    assert [(t.speaker(u.speaker).name, u.start, u.text) for u in t.utterances] == [
        ("Maya Chen", 3, "We need the price under four twenty."), (None, 9, "That is not possible this quarter."),
        ("Maya Chen", 15, "Then we need a longer timeline.")]
    # a numbered one tells people apart: a name
    t = read_transcript(write(tmp_path, "otter.txt", text.replace(heading, "Unknown Speaker 2  0:09")))
    assert t.speaker(t.utterances[1].speaker).name == "Unknown Speaker 2"
    # in `Name: text` turns, a lone time with text under it stays in the turn above, as before
    t = read_transcript(write(tmp_path, "notes.txt", "Maya: Here is where we are.\n10:30\nWe hold.\nGreg: Fine.\n"
                                                      "Maya: Next.\nTom: Twelve weeks.\n"))
    assert [u.text for u in t.utterances] == ["Here is where we are. We hold.", "Fine.", "Next.", "Twelve weeks."]


def test_times_without_any_speaker_name_are_refused_saying_so(tmp_path):
    """As an export told to leave out the speakers' names writes it."""
    path = write(tmp_path, "otter.txt", "0:03\nWe need the price under four twenty.\n\n0:09\nNot this quarter.\n")
    with pytest.raises(MalformedTranscript, match="no speaker names"):
        read_transcript(path)


# -- found reading real-world variants (session 37): each read wrongly or crashed before --------------

@pytest.mark.parametrize("name, text", [
    ("numbered.srt", "1\n00:00:01,000 --> 00:00:03,000\nMaya: We need the SOW by Friday.\n2\n00:00:03,500 --> 00:00:05,000\n"
                     "Greg: Friday works.\n\n3\n00:00:06,000 --> 00:00:08,000\nMaya: Good.\n"),
    ("zoom.vtt", "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nMaya: We need the SOW by Friday.\n2\n00:00:03.500 --> 00:00:05.000\n"
                 "Greg: Friday works.\n\n3\n00:00:06.000 --> 00:00:08.000\nMaya: Good.\n"),
    ("teams.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Maya>We need the SOW by Friday.</v>\n00:00:03.500 --> 00:00:05.000\n"
                  "<v Greg>Friday works.</v>\n\n00:00:06.000 --> 00:00:08.000\n<v Maya>Good.</v>\n"),
])
def test_a_cue_whose_blank_line_was_lost_is_its_own_cue(tmp_path, name, text):
    """Greg's cue ran into Maya's, its timing line and number as her words, and Greg was gone."""
    t = read_transcript(write(tmp_path, name, text))
    got = [(t.speaker_label(u.speaker), u.text, u.start, u.end) for u in t.utterances]
    assert got == [("Maya", "We need the SOW by Friday.", 1.0, 3.0), ("Greg", "Friday works.", 3.5, 5.0),
                   ("Maya", "Good.", 6.0, 8.0)]


def test_two_people_saying_the_same_short_line_are_both_kept(tmp_path):
    """Teams' "Sounds good." from Maya, then Tom, read as a caption rolling up: Tom's line was dropped,
    and with his "Bye." too he vanished from the meeting."""
    cues = [("Greg Park", "So we meet again on Friday."), ("Maya Chen", "Sounds good."), ("Tom Okafor", "Sounds good."),
            ("Greg Park", "Thanks everyone."), ("Maya Chen", "Bye."), ("Greg Park", "Bye."), ("Tom Okafor", "Bye.")]
    body = "".join(f"\n00:00:{2 * k:02d}.000 --> 00:00:{2 * k + 1:02d}.500\n<v {who}>{line}</v>\n"
                   for k, (who, line) in enumerate(cues))
    t = read_transcript(write(tmp_path, "call.vtt", "WEBVTT\n" + body))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == cues


def test_rolling_captions_without_voices_are_still_unrolled(tmp_path):
    """What the rule is for: YouTube's captions repeat the line the last cue ended with."""
    lines = ["we need the price", "under four twenty", "or we walk", "away from the deal"]
    body = "".join(f"\n00:00:0{k}.000 --> 00:00:0{k + 1}.000\n{a}\n{b}\n" for k, (a, b) in enumerate(zip(lines, lines[1:])))
    t = read_transcript(write(tmp_path, "yt.vtt", "WEBVTT\n" + body))
    assert " ".join(u.text for u in t.utterances) == " ".join(lines)


def test_dialogue_dashes_against_the_name_and_titled_and_long_names(tmp_path):
    srt = "1\n00:00:01,000 --> 00:00:03,000\n-Maya: Are you coming?\n-Greg: Yes, in a minute.\n\n" \
          "2\n00:00:04,000 --> 00:00:06,000\nMaya: Good.\n"
    t = read_transcript(write(tmp_path, "film.srt", srt))
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("Maya", "Are you coming?"), ("Greg", "Yes, in a minute."), ("Maya", "Good.")]
    long = "Maria Fernanda Gonzalez (Procurement Lead)"   # 42 characters: Zoom shows display names whole
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n>> Sen. Warren: Will you commit to a lower price?\n\n"
           "00:00:04.000 --> 00:00:06.000\n>> Mr. Smith: We are reviewing it.\n\n"
           f"00:00:07.000 --> 00:00:09.000\n{long}: We need four twenty.\n\n"
           "00:00:10.000 --> 00:00:12.000\n>> Sen. Warren: That is not an answer.\n")
    t = read_transcript(write(tmp_path, "hearing.vtt", vtt))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Sen. Warren", "Mr. Smith", long, "Sen. Warren"]


@pytest.mark.parametrize("field, value, words", [
    ("emotion", "neutral", "utterance 0 has an 'emotion' that is not an object"),
    ("tags", "ask", "utterance 0 has 'tags' that are not a list of objects"),
    ("words", ["We", "need"], "utterance 0 has 'words' that are not a list of objects"),
])
def test_a_hand_edited_transcript_json_with_a_field_of_the_wrong_kind_is_named(tmp_path, field, value, words):
    """It was "internal error: AttributeError: 'str' object has no attribute 'items'"."""
    d = {"schema": "talkscan.transcript/1", "speakers": [{"id": "S0", "name": "Maya"}, {"id": "S1", "name": "Greg"}],
         "utterances": [{"id": "u0", "speaker": "S0", "text": "We need four twenty.", "start": 0, "end": 2, field: value},
                        {"id": "u1", "speaker": "S1", "text": "Four sixty.", "start": 2.5, "end": 4}]}
    with pytest.raises(MalformedTranscript, match=words):
        read_transcript(write(tmp_path, "transcript.json", json.dumps(d)))


def test_what_invitations_and_tools_put_above_a_transcript_is_no_speaker(tmp_path):
    """"Meeting ID:" and "Passcode:" from a Zoom invitation, "Speakers:" from a notes tool, were the
    meeting's first speakers."""
    text = ("Topic: Q3 pricing sync\nMeeting ID: 812 4455 0192\nPasscode: 482913\nSpeakers: Maya Chen, Greg Park\n\n"
            "Maya Chen: We need the price under four twenty.\nGreg Park: Under four twenty?\nMaya Chen: Yes.\n")
    t = read_transcript(write(tmp_path, "sync.txt", text))
    assert [t.speaker_label(u.speaker) for u in t.utterances] == ["Maya Chen", "Greg Park", "Maya Chen"]


def test_teams_headings_with_a_tab_before_the_time_are_headings(tmp_path):
    """`Name<TAB>0:03` with the text below was taken for a spreadsheet's rows: the times became
    words and no turn had a time."""
    text = ("Maya Chen\t0:03\nWe need the year-one price under four twenty.\nGreg Otis\t0:11\nUnder four twenty?\n"
            "Maya Chen\t0:15\nThat is the mandate.\n")
    t = read_transcript(write(tmp_path, "teams.txt", text))
    assert [(t.speaker_label(u.speaker), u.text, u.start) for u in t.utterances] == [
        ("Maya Chen", "We need the year-one price under four twenty.", 3.0), ("Greg Otis", "Under four twenty?", 11.0),
        ("Maya Chen", "That is the mandate.", 15.0)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_reads_in_any_script(tmp_path, encoding):
    """Chinese saved as UTF-16 with no BOM was refused as binary: only Latin text was recognised."""
    text = "李明: 我们需要把价格降到四百二十以下。\n王芳: 这个季度不可能。\n"
    path = tmp_path / "meeting.txt"
    path.write_bytes(text.encode(encoding))
    t = read_transcript(path)
    assert [(t.speaker_label(u.speaker), u.text) for u in t.utterances] == [
        ("李明", "我们需要把价格降到四百二十以下。"), ("王芳", "这个季度不可能。")]


def test_a_recording_named_txt_is_still_binary(tmp_path):
    path = tmp_path / "meeting.txt"
    path.write_bytes((Path(__file__).resolve().parents[1] / "data" / "samples" / "pricing-sync.m4a").read_bytes()[:4000])
    with pytest.raises(MalformedTranscript, match="binary"):
        read_transcript(path)
