"""report.html in a real browser: Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_util import REPO, CHROMIUM_ARGS, INJECTION, chromium_or_skip, gold_report, sample_report
from talkscan.report.html import render_html

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    f = tmp_path_factory.mktemp("report") / "report.html"
    f.write_text(render_html(sample_report()), encoding="utf-8")
    return f


class Watched:
    """A page with every request, console error and uncaught exception recorded."""

    def __init__(self, browser, path, width=1280, height=800, js=True):
        self.context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=js)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.url = path.as_uri()
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")

    def visible_ids(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#transcript li.utt", "els => els.filter(e => e.offsetParent !== null).map(e => e.id)"
        )

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, report_file):
    w = Watched(browser, report_file)
    yield w
    w.close()


def test_opens_clean_with_every_section(watched):
    page = watched.page
    for sel in ("#summary", "#flags", "#conflicts", "#speakers", "#timeline", "#transcript"):
        assert page.locator(sel).is_visible(), sel
    assert page.locator("#flags li.flag").count() == 4
    assert page.locator("#conflicts li.conflict").count() == 2
    assert page.locator("#speakers tbody tr").count() == 4
    assert page.locator("#timeline svg rect").count() == 16
    assert page.locator("#transcript li.utt").count() == 16
    assert page.locator("#filters").is_visible()  # the script ran and showed the filters
    assert watched.errors == []
    # nothing but the page itself was requested
    assert watched.requests == [watched.url]


def test_filters_show_only_matching_utterances(watched):
    page = watched.page
    report = sample_report()
    by = {u["id"]: u for u in report["utterances"]}
    all_ids = list(by)
    assert watched.visible_ids() == all_ids

    page.click('#filters button[data-filter="speaker"][data-value="S1"]')  # Greg
    assert watched.visible_ids() == [i for i in all_ids if by[i]["speaker"] == "S1"]
    assert page.locator("#filter-count").inner_text() == "6 of 16 shown"

    page.click('#filters button[data-filter="tag"][data-value="ask"]')  # Greg's asks only
    assert watched.visible_ids() == ["u2"]

    page.click('#filters button[data-filter="speaker"][data-value=""]')  # every speaker's asks
    asks = [i for i in all_ids if any(t["type"] == "ask" for t in by[i]["tags"])]
    assert watched.visible_ids() == asks == ["u0", "u2", "u3", "u6"]
    assert page.locator('#filters button[data-filter="tag"][data-value="ask"]').get_attribute("aria-pressed") == "true"

    page.click('#filters button[data-filter="tag"][data-value="emotional_labeling"]')
    assert watched.visible_ids() == ["u5", "u9", "u14"]

    page.click('#filters button[data-filter="tag"][data-value=""]')
    assert watched.visible_ids() == all_ids
    assert watched.errors == []


def test_words_find_the_utterances_that_say_them(watched):
    """Case, accents and spacing aside, with the speaker and tag filters; an evidence link clears it."""
    page = watched.page
    report = sample_report()
    by = {u["id"]: u for u in report["utterances"]}
    word = "weeks"
    said = [i for i, u in by.items() if word in u["text"].lower()]
    assert 1 < len(said) < len(by)
    page.fill("#filter-words", "  WEEKS ")
    assert watched.visible_ids() == said
    assert page.locator("#filter-count").inner_text() == f"{len(said)} of 16 shown"
    speaker = by[said[0]]["speaker"]
    page.click(f'#filters button[data-filter="speaker"][data-value="{speaker}"]')
    assert watched.visible_ids() == [i for i in said if by[i]["speaker"] == speaker]
    page.click('#filters button[data-filter="speaker"][data-value=""]')
    page.fill("#filter-words", "no such words anywhere")
    assert watched.visible_ids() == []
    hidden = next(iter(by))
    page.evaluate("id => { location.hash = id; }", hidden)
    _wait_for_hash(page, hidden)
    assert page.input_value("#filter-words") == "" and len(watched.visible_ids()) == 16
    assert watched.errors == []


def _landed(page, uid: str) -> dict:
    return page.evaluate(
        """id => { const el = document.getElementById(id); const r = el.getBoundingClientRect();
                   return {hash: location.hash, target: el.matches(':target'), top: r.top, bottom: r.bottom,
                           visible: el.offsetParent !== null, vh: innerHeight, y: scrollY,
                           atEnd: scrollY + innerHeight >= document.documentElement.scrollHeight - 1}; }""",
        uid,
    )


def _wait_for_hash(page, uid: str) -> None:
    # Not page.wait_for_function: once it has to poll, it compiles its predicate with eval, which
    # the report's Content-Security-Policy rightly forbids (a loaded machine made that path fail).
    expect(page).to_have_url(re.compile(f"#{uid}$"))


def test_evidence_links_land_on_the_utterance(watched):
    page = watched.page
    flag = page.locator("#flags li.flag", has_text="Greg").filter(has_text="overused")
    links = flag.locator("a.ev")
    assert links.count() == 5
    for i, uid in enumerate(["u1", "u4", "u7", "u10", "u12"]):
        links.nth(i).click()
        _wait_for_hash(page, uid)
        at = _landed(page, uid)
        assert at["target"] and at["visible"], at
        # scrolled to it: at the top of the screen, unless the page ends first
        assert at["y"] > 0 and 0 <= at["top"] and at["bottom"] <= at["vh"], at
        assert at["top"] < 100 or at["atEnd"], at
        page.evaluate("window.scrollTo(0, 0)")
    # a conflict quote lands on its ask
    page.locator("#conflicts blockquote a", has_text="Priya").click()
    _wait_for_hash(page, "u6")
    assert _landed(page, "u6")["target"]
    assert watched.errors == []


def test_evidence_link_to_a_filtered_out_utterance_clears_the_filters(watched):
    page = watched.page
    page.click('#filters button[data-filter="speaker"][data-value="S2"]')  # Tom only
    assert "u1" not in watched.visible_ids()
    page.locator("#flags a.ev[href='#u1']").click()
    _wait_for_hash(page, "u1")
    expect(page.locator("#u1")).to_be_visible()
    at = _landed(page, "u1")
    assert at["target"] and 0 <= at["top"] < at["vh"], at
    assert len(watched.visible_ids()) == 16


def on_first_screen(el) -> bool:
    """Wholly inside the 1280x800 viewport and not clipped by a scrolling panel around it."""
    return el.evaluate(
        """e => { const r = e.getBoundingClientRect();
                  if (r.top < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
                  for (let p = e.parentElement; p; p = p.parentElement) {
                    const s = getComputedStyle(p);
                    if (s.overflowY !== 'visible') { const q = p.getBoundingClientRect();
                      if (r.top < q.top - 0.5 || r.bottom > q.bottom + 0.5) return false; } }
                  return true; }"""
    )


def test_summary_flags_and_conflicts_fit_the_first_screen(watched, tmp_path):
    page = watched.page
    shot = tmp_path / "report-1280x800.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    for sel in ("#summary", "#flags", "#conflicts", "#flags li.flag:last-child", "#conflicts li.conflict:last-child"):
        box = page.locator(sel).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800, (sel, box)
    # and every flag's headline and every conflict's two quotes are inside that screen
    for sel in ("#flags .flag-head", "#conflicts blockquote"):
        for el in page.locator(sel).all():
            assert on_first_screen(el), sel


SAMPLES = ["pricing-sync.reference.json", "overuse.labels.json", "missing.labels.json"]


@pytest.mark.parametrize("name", SAMPLES)
def test_project_samples_fit_the_first_screen(browser, tmp_path, name):
    path = REPO / "data" / "samples" / name
    if not path.exists():
        pytest.skip(f"data/samples/{name} is not in this checkout")
    report = gold_report(path)
    f = tmp_path / "report.html"
    f.write_text(render_html(report), encoding="utf-8")
    w = Watched(browser, f)
    try:
        page = w.page
        page.screenshot(path=str(tmp_path / f"{path.stem}.png"))
        assert page.locator("#flags li.flag").count() == len(report["flags"])
        assert page.locator("#conflicts li.conflict").count() == len(report["conflicts"])
        for sel in ("#summary", "#flags .flag-head", "#conflicts .conflict-head", "#conflicts blockquote"):
            for el in page.locator(sel).all():
                assert on_first_screen(el), sel
        assert w.errors == [] and w.requests == [w.url]
    finally:
        w.close()


def test_injection_shows_as_text_and_runs_nothing(browser, tmp_path):
    f = tmp_path / "inject.html"
    f.write_text(render_html(sample_report(timed=False, inject=True)), encoding="utf-8")
    w = Watched(browser, f)
    try:
        page = w.page
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.images.length") == 0
        assert page.evaluate("document.scripts.length") == 1  # ours only
        assert INJECTION in page.locator("#u13 .text").inner_text()
        assert INJECTION in page.locator("#conflicts .reason").first.inner_text()
        assert page.locator("#u0 .who").inner_text() == "<b>Maya</b>"
        assert page.locator("#u0 .who b").count() == 0
        # hovering and clicking around gives an injected handler every chance to fire
        page.locator("#u13").hover()
        page.click('#filters button[data-filter="speaker"][data-value="S0"]')
        page.screenshot(path=str(tmp_path / "inject.png"), full_page=True)
        assert page.evaluate("window.__pwned") is None
        assert w.errors == []
        assert w.requests == [w.url]  # the img's src=x was never fetched
    finally:
        w.close()


def test_without_javascript_everything_is_visible(browser, report_file):
    w = Watched(browser, report_file, js=False)
    try:
        assert len(w.visible_ids()) == 16
        assert not w.page.locator("#filters").is_visible()
        assert w.requests == [w.url]
    finally:
        w.close()


def test_phone_width_does_not_scroll_sideways(browser, report_file, tmp_path):
    w = Watched(browser, report_file, width=390, height=844)
    try:
        overflow = w.page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 1
        w.page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        assert w.errors == []
    finally:
        w.close()


def test_long_speaker_names_fit_a_laptop_screen(browser, tmp_path):
    """Meeting tools name people by role or full name ("Industrial Designer", AMI's transcripts):
    the speakers table must not scroll sideways and no timeline lane label may run off the chart."""
    from browser_util import dialogue_to_transcript, SAMPLE
    from talkscan.policy import evaluate_flags, load_policy
    from talkscan.report.json_report import build_report

    long = {"Maya": "Head of Procurement Maya", "Greg": "Industrial Designer", "Tom": "Alexandra Montgomery-Smith"}
    d = {**SAMPLE, "speakers": {long.get(n, n): r for n, r in SAMPLE["speakers"].items()},
         "turns": [{**tn, "speaker": long.get(tn["speaker"], tn["speaker"]),
                    "tags": [{**g, "target": long.get(g.get("target"), g.get("target"))} if "target" in g else g
                             for g in tn["tags"]]} for tn in SAMPLE["turns"]]}
    t = dialogue_to_transcript(d)
    t.flags = evaluate_flags(t, load_policy())
    f = tmp_path / "report.html"
    f.write_text(render_html(build_report(t)), encoding="utf-8")
    w = Watched(browser, f, width=1200, height=800)
    try:
        overflow = w.page.eval_on_selector("#speakers .scroll", "e => e.scrollWidth - e.clientWidth")
        assert overflow <= 1, overflow
        left = w.page.eval_on_selector_all("svg.timeline .lane-label", "els => els.map(e => e.getBBox().x)")
        assert len(left) == 4 and min(left) >= 0, left
        assert w.errors == []
    finally:
        w.close()


def test_print_shows_everything_without_the_controls(watched):
    page = watched.page
    page.click('#filters button[data-filter="speaker"][data-value="S3"]')
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    assert len(watched.visible_ids()) == 16
    flags_box = page.locator("#flags").bounding_box()
    assert page.evaluate("getComputedStyle(document.querySelector('#flags')).overflowY") == "visible"
    assert flags_box["height"] > 0
