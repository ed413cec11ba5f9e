"""report.html as text: sections, links, escaping, empty reports, self-containment."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from browser_util import sample_report
from talkscan.report.html import clock, render_html
from talkscan.report.json_report import build_report
from talkscan.transcript import Speaker, Transcript, Utterance


class Page(HTMLParser):
    """Ids, links, scripts, and every tag/attribute that could load or run something."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.loading: list[tuple[str, str, str]] = []
        self.scripts = 0
        self.handlers: list[str] = []
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if "href" in a:
            self.hrefs.append(a["href"])
        for k, v in attrs:
            if k.startswith("on"):
                self.handlers.append(f"{tag}.{k}")
            if k in ("src", "srcset", "data", "poster", "action", "formaction", "xlink:href"):
                self.loading.append((tag, k, v))
        if tag == "script":
            self.scripts += 1
        if tag == "link":
            self.loading.append((tag, "link", a.get("href", "")))


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(sample_report())


def test_sections_and_summary(html):
    page = Page(html)
    for section in ("summary", "flags", "conflicts", "speakers", "timeline", "transcript"):
        assert section in page.ids
    assert "test-renewal.txt" in html and "2026-03-02 10:00" in html
    assert "4 speakers" in html and "16 utterances" in html
    assert re.search(r"<b>4</b> flags", html) and re.search(r"<b>2</b> conflicts", html)
    assert "2 overused · 2 missing" in html


def test_every_utterance_is_anchored_and_every_link_lands(html):
    page = Page(html)
    report = sample_report()
    for u in report["utterances"]:
        assert u["id"] in page.ids
    internal = [h for h in page.hrefs if h.startswith("#")]
    assert internal and all(h[1:] in page.ids for h in internal), [h for h in internal if h[1:] not in page.ids]
    assert [h for h in page.hrefs if not h.startswith("#")] == []
    # each flag links to each of its evidence utterances
    for f in report["flags"]:
        for e in f["evidence"]:
            assert f'href="#{e}"' in html


def test_flags_show_figure_threshold_and_advice(html):
    assert "Not everything needs paraphrasing" in html
    assert "5 uses, more than the 3 allowed" in html  # Greg's five paraphrases against three allowed
    assert "Acknowledge Greg&#39;s side" in html


def test_flags_say_their_rule_and_number_their_evidence_as_the_transcript_does(html):
    """A manager read "MISSING Nora · paraphrase 0 &lt; 1" and "Evidence: Nora u0 Ben u1": neither that
    the rule is any acknowledgement of the other side, nor that the evidence is the clash, and the u-ids
    counted from 0 where the transcript counts from 1."""
    report = sample_report()
    page = re.sub(r"\s+", " ", html)
    assert " &lt; 1" not in page and "&gt; 3" not in page
    party = next(f for f in report["flags"] if f["kind"] == "missing" and f["speaker"] and f["evidence"])
    assert "acknowledgement of the other side" in page and "The conflicting asks:" in page
    first = party["evidence"][0]
    n = [u["id"] for u in report["utterances"]].index(first) + 1
    # the number counts from 1; its tooltip gives the id report.json counts from 0, for whoever reads both
    assert re.search(rf'<a href="#{first}" class="ev" title="[^"]+"><span class="muted">#{n}</span> ', page)
    assert re.search(rf'<li id="{first}" class="utt"[^>]*> <div class="meta">'
                     rf'<span class="num muted" title="{first} in report.json">#{n}</span>', page)


def test_a_weighted_overuse_figure_says_how_many_uses_it_weighs():
    """Repeats on the same person weigh more (repeat_target_weight): "5.5 > 2" beside four evidence
    links read as a miscount."""
    report = sample_report()
    flag = next(f for f in report["flags"] if f["kind"] == "overused")
    flag["value"] = len(flag["evidence"]) + 1.5
    html = render_html(report)
    assert f"{len(flag['evidence'])} uses, weighted {flag['value']}: more than the {flag['threshold']} allowed" in html
    assert "repeat_target_weight" in html


def test_a_conflict_across_topics_names_both_in_its_heading():
    """A price ask against a scope ask was headed "price" alone."""
    report = sample_report()
    c = report["conflicts"][0]
    asks = {a["id"]: a for a in report["asks"]}
    first, second = (asks[a] for a in c["asks"])
    second["topic"] = "scope" if first["topic"] != "scope" else "price"
    html = render_html(report)
    assert f'<span class="topic">{first["topic"]} ↔ {second["topic"]}</span>' in html


def test_conflicts_name_both_sides_with_quotes(html):
    assert "<bdi>Maya</bdi> vs <bdi>Greg</bdi>" in html and "<bdi>Tom</bdi> vs <bdi>Priya</bdi>" in html
    assert "We need the year-one price under four twenty" in html
    assert "For the full suite we need at least four sixty." in html


def test_transcript_items_carry_filter_data_and_tags(html):
    assert 'data-speaker="S1" data-tags="paraphrase"' in html
    assert 'data-tags="ask"' in html
    assert "worn out" in html  # the labelled feeling as said
    # filters: one button per speaker and per move that occurs, hidden until the script runs
    assert re.search(r'<div id="filters" class="filters" hidden>', html)
    for v in ("S0", "S1", "S2", "S3", "paraphrase", "mirroring", "emotional_labeling", "similarity", "ask"):
        assert f'data-value="{v}"' in html
    assert 'data-value="future_vision"' not in html  # never used: no empty filter


def test_self_contained_and_locked_down(html):
    page = Page(html)
    assert page.loading == []  # no src, no <link>: nothing to fetch
    assert page.handlers == []
    assert page.scripts == 1
    assert "@import" not in html and "url(" not in html and "http://" not in html and "https://" not in html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "unsafe-inline" not in csp.split("script-src")[1]
    assert "@media print" in html and 'name="viewport"' in html


def test_injection_is_escaped_everywhere():
    report = sample_report(inject=True)
    html = render_html(report)
    page = Page(html)
    assert page.scripts == 1 and "img" not in page.tags and page.handlers == []
    assert "<b>Maya</b>" not in html
    assert "&lt;b&gt;Maya&lt;/b&gt;" in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def test_untimed_transcript_uses_turn_order(html):
    untimed = render_html(sample_report(timed=False))
    assert "by turn order" in untimed and "by time" not in untimed
    assert "<time>" not in untimed
    assert "by time" in html and "<time>0:05</time>" in html


def test_empty_report_renders():
    t = Transcript("empty.vtt", "transcript", [], [])
    out = render_html(build_report(t))
    assert "No flags" in out and "No conflicting asks" in out and "The transcript is empty" in out
    t = Transcript("one.txt", "transcript", [Speaker("S0", "Ann")], [Utterance("u0", 0, "S0", "Hello.")])
    out = render_html(build_report(t))
    assert "Ann" in out and 'id="u0"' in out and "No flags" in out


def test_a_saved_report_json_renders_the_same():
    report = sample_report()
    assert render_html(json.loads(json.dumps(report))) == render_html(report)


def test_minimal_report_without_optional_stats_renders():
    # a report.json carrying only the contract's required speaker fields
    report = sample_report()
    for s in report["speakers"]:
        for k in ("share", "words_per_minute", "questions", "longest_monologue_s", "interruptions"):
            s.pop(k, None)
    out = render_html(report)
    assert "Maya" in out and "—" in out


@pytest.mark.parametrize("s, want", [(None, ""), (0, "0:00"), (65.4, "1:05"), (3725, "1:02:05")])
def test_clock(s, want):
    assert clock(s) == want


def test_a_speakers_asks_are_one_chip_per_topic_and_direction_with_a_count():
    report = sample_report()
    maya = next(a for a in report["asks"] if a["topic"] == "price" and a["direction"] == "less")
    # the same person asks for a lower price three more times, and once for more time
    extra = [maya | {"id": f"x{i}", "text": f"Again, lower {i}."} for i in range(3)]
    extra.append(maya | {"id": "x9", "topic": "timeline", "direction": "more", "text": "And more time."})
    report["asks"] = report["asks"] + extra
    html = render_html(report)
    cells = re.findall(r'<td class="asks">(.*?)</td>', html, re.S)
    mine = [c for c in cells if f'href="#{maya["utterance"]}"' in c][0]
    n = sum(1 for a in report["asks"] if a["speaker"] == maya["speaker"] and a["topic"] == "price" and a["direction"] == "less")
    assert n >= 4 and f"price ▼ lower ×{n}" in mine and mine.count("price ▼ lower") == 1
    assert "timeline ▲ more time</a>" in mine  # a single ask shows no count
    assert f'title="{n} asks, the first: ' in mine


@pytest.mark.parametrize("topic, direction, words", [
    ("timeline", "less", "timeline ▼ sooner"), ("timeline", "more", "timeline ▲ more time"),
    ("price", "less", "price ▼ lower"), ("compliance", "more", "compliance ▲ stricter"),
    ("resources", "less", "resources ▼ fewer"), ("scope", "less", "scope ▼ less"),
])
def test_an_asks_direction_is_said_in_its_topics_words(topic, direction, words):
    """"timeline ▼ less" read as caring less about the timeline; the ask was for an earlier date."""
    report = sample_report()
    ask = report["asks"][0] | {"topic": topic, "direction": direction}
    report["asks"] = [ask]
    for u in report["utterances"]:
        for t in u.get("tags", []):
            if t.get("type") == "ask" and u["id"] == ask["utterance"]:
                t.update(topic=topic, direction=direction)
    html = render_html(report)
    cell = [c for c in re.findall(r'<td class="asks">(.*?)</td>', html, re.S) if ask["utterance"] in c][0]
    assert f"{words}</a>" in cell
    assert f'<span class="detail">{words}</span>' in html   # the transcript's tag


def test_a_recording_s_report_says_how_to_correct_its_transcript():
    report = sample_report()
    assert report["kind"] == "transcript" and "talkscan update" not in render_html(report)
    html = render_html(report | {"kind": "recording"})
    assert "update-hint" in html and "talkscan update &lt;this report's folder&gt;" in html


def test_right_to_left_names_and_words_are_isolated():
    # An Arabic or Hebrew name beside "#3", a time or " vs " would reorder them under the bidi
    # algorithm; every name is isolated, and each utterance takes its own direction.
    t = Transcript("rtl.txt", "transcript", [Speaker("S0", "نورا"), Speaker("S1", "Ben")],
                   [Utterance("u0", 0, "S0", "نحتاج السعر أقل من ٣٠٠ ألف."), Utterance("u1", 1, "S1", "Fine.")])
    out = render_html(build_report(t))
    names = re.findall(r"<bdi>(.*?)</bdi>", out)
    assert names.count("نورا") >= 4   # people, speakers table, filter button, transcript row
    assert re.search(r"<a [^>]*class=\"who\"><bdi>نورا</bdi></a>", out)
    assert re.search(r'<p class="text" dir="auto">نحتاج', out)
    # outside the timeline's SVG (one name per label) and tooltips, no name stands bare
    html_text = re.sub(r"<svg.*?</svg>|<title>.*?</title>", "", out, flags=re.S)
    assert "نورا" not in html_text.replace("<bdi>نورا</bdi>", "")


def test_the_title_is_the_files_name_and_the_date_the_meetings():
    report = sample_report() | {"source": "/home/maya/calls/2024-06-20 q3-sync.txt", "meeting_date": "2024-06-20"}
    report.pop("date", None)
    out = render_html(report)
    assert re.search(r'<h1 title="/home/maya/calls/2024-06-20 q3-sync.txt">2024-06-20 q3-sync.txt</h1>', out)
    assert "<span>2024-06-20</span>" in out


def test_the_timeline_is_marked_every_few_minutes_or_turns():
    speakers = [Speaker("S0", "Ann"), Speaker("S1", "Bo")]
    timed = [Utterance(f"u{k}", k, f"S{k % 2}", "Fine.", start=60.0 * k, end=60.0 * k + 50) for k in range(28)]
    out = render_html(build_report(Transcript("long.vtt", "transcript", speakers, timed)))
    marks = re.findall(r'class="tick" text-anchor="middle">([^<]+)<', out)
    assert marks == ["5:00", "10:00", "15:00", "20:00", "25:00"]
    untimed = [Utterance(f"u{k}", k, f"S{k % 2}", "Fine.") for k in range(80)]
    out = render_html(build_report(Transcript("notes.txt", "transcript", speakers, untimed)))
    assert re.findall(r'class="tick" text-anchor="middle">([^<]+)<', out) == [f"turn {k}" for k in range(10, 80, 10)]


def test_a_label_whose_feeling_is_unknown_shows_no_neutral():
    from talkscan.transcript import Tag

    utts = [Utterance("u0", 0, "S0", "We need it by May."), Utterance("u1", 1, "S1", "You are, a bit.")]
    utts[1].tags = [Tag("emotional_labeling", target="S0", emotion="neutral")]
    out = render_html(build_report(Transcript("x.txt", "transcript", [Speaker("S0", "Ann"), Speaker("S1", "Bo")], utts)))
    tag = re.search(r'<li class="tag mv-emotional_labeling">(.*?)</li>', out, re.S).group(1)
    assert "labeling" in tag and "neutral" not in tag


@pytest.mark.parametrize("timed, share_of", [(True, "talk time"), (False, "words")])
def test_the_speakers_share_says_of_what_and_untimed_interruptions_are_unknown(timed, share_of):
    """A .txt transcript's share is of words, a recording's of talk time; the table said only
    "Share". Without times nobody can be seen to interrupt: "—", not 0."""
    report = sample_report(timed=timed)
    html = render_html(report)
    assert f'<th scope="col">Share of {share_of}</th>' in html
    rows = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)[0]
    interruptions = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)[7] for r in re.findall(r"<tr>(.*?)</tr>", rows, re.S)]
    assert interruptions and all((x == "—") != timed for x in interruptions)
    assert all((s["interruptions"] is None) != timed for s in report["speakers"])


def test_a_flags_evidence_shows_what_was_said_on_hover():
    """"#4 Dana" alone made the manager open every link to judge a flag."""
    report = sample_report()
    flag = next(f for f in report["flags"] if f.get("evidence"))
    html = render_html(report)
    by_id = {u["id"]: u for u in report["utterances"]}
    for e in flag["evidence"]:
        said = " ".join(by_id[e]["text"].split())
        m = re.search(rf'<a href="#{e}" class="ev" title="([^"]*)">', html)
        assert m, e
        shown = m.group(1).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
        assert shown == said or (shown.endswith("…") and said.startswith(shown[:-1]))


@pytest.mark.parametrize("reason, shown", [
    ('Sam wants a faster timeline ("We start on the first of March."), which clashes with Mark wanting stricter '
     'compliance ("No money without the paperwork.")',
     "Sam wants a faster timeline, which clashes with Mark wanting stricter compliance"),
    ('Ann and Bob want different things on price: "Four hundred." against "Four fifty."',
     "Ann and Bob want different things on price"),
    # a quote the pattern cannot be sure of is left whole
    ('Ellen wants more resources ("Two (2) engineers.") while Mark wants fewer resources ("None.")',
     'Ellen wants more resources ("Two (2) engineers.") while Mark wants fewer resources ("None.")'),
])
def test_a_conflicts_reason_is_shown_without_the_quotes_printed_under_it(reason, shown):
    """Each clash said everything twice: the reason quoted both asks, and both asks are quoted under
    it. report.json keeps the whole reason."""
    report = sample_report()
    report["conflicts"] = report["conflicts"][:1]
    report["conflicts"][0]["reason"] = reason
    html = render_html(report)
    got = re.search(r'<p class="reason" dir="auto">(.*?)</p>', html, re.S).group(1)
    assert got.replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'") == shown


@pytest.mark.parametrize("emotion, unsure", [({"label": "anger", "score": 0.55}, True),
                                             ({"label": "anger", "score": 0.91}, False),
                                             ({"label": "neutral", "score": 0.4}, False)])
def test_an_emotion_named_with_a_low_score_is_shown_as_a_guess(emotion, unsure):
    """Emotions other than neutral scored under 0.6 matched the held-out labels about one time in
    four: shown faded with a "?" (transcript chip and timeline block), the score on hover."""
    report = sample_report()
    u = report["utterances"][0]
    u["emotion"] = emotion
    html = render_html(report)
    chip = re.search(rf'<li id="{u["id"]}".*?<span class="emo ([^"]*)" title="([^"]*)">([^<]*)</span>', html, re.S)
    assert ("unsure" in chip.group(1)) == unsure
    assert chip.group(3) == emotion["label"] + ("?" if unsure else "")
    assert f'score {emotion["score"]:.2f}' in chip.group(2)
    block = re.search(rf'<a href="#{u["id"]}"><title>[^<]*</title>\s*<rect [^>]*class="([^"]*)"', html)
    assert block.group(1) == f'emo-fill-{emotion["label"]}' + (" unsure" if unsure else "")
