"""End to end in a real browser: Debian's Chromium driven by Playwright against the running app.

Skips (with a reason) when /usr/bin/chromium is missing, except under CI=true, where it fails instead.
Phone (390x844), desktop (1366x768) and projector (1920x1080 at 150%: 1280x720 CSS pixels at device scale 1.5,
with Larger text), each in light and dark (prefers-color-scheme): axe-core on the start screen, an answer, a
refusal, a safety notice and the section panel (no serious or critical violation), with the axe reports and figures
(axe-summary-<size>-<theme>.json: violation counts, and on a phone the question box's top and the smallest target)
and the Enter-to-answer times (timing.json) in test-artifacts/ (git-ignored).
Screenshots only when LAC_SCREENSHOT_DIR is set: <size>-<theme>-<state>.png for start, answer (its section open),
refusal and safety, the viewport only. docs/screenshots/ is made with
`LAC_SCREENSHOT_DIR=docs/screenshots python -m pytest tests/test_app_browser.py -k sizes_and_themes`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SCREENSHOTS = os.environ.get("LAC_SCREENSHOT_DIR")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT = 60_000
# name: (width, height, device scale, Larger text)
VIEWS = {"phone": (390, 844, 1, False), "desktop": (1366, 768, 1, False), "projector": (1280, 720, 1.5, True)}
SIBLINGS = "Will the child I look after be placed with their brothers and sisters?"
DISCLOSURE = "The girl I foster just told me someone at home is hurting her. What do I do?"
NOT_HOME = "My foster son hasn't come home tonight, what should I do?"
RUN_AWAY = "My 14 year old has run away again, what do I do?"
MISSING_AGAIN = "My foster son keeps going missing, who at the council deals with children missing from care?"
GROOMED = "My foster daughter keeps going missing and I think she is being groomed, what should happen?"
FRANCE = "What is the capital of France?"


def _need_chromium():
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser, url, width=1366, height=768, large=False, wait_for_examples=True, **context):
    page = browser.new_context(viewport={"width": width, "height": height}, **context).new_page()
    page.set_default_timeout(TIMEOUT)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.goto(url)
    page.wait_for_selector("#question textarea", state="attached")
    if wait_for_examples:
        page.wait_for_function("document.querySelector('#chat .placeholder-content .examples button')")
    if large:
        page.locator("#large-text").click()
        page.wait_for_function("document.body.classList.contains('lac-large')")
    page.outside = outside
    return page


def answers(page):
    return page.locator("#chat .lac-answer")


def wait_for_answer(page, before: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('#chat .lac-answer').length > {before}")
    page.wait_for_function("!document.querySelector('#chat .lac-pending')")
    page.wait_for_timeout(300)  # the scroll that brings the latest question into view


def ask(page, question: str):
    before = answers(page).count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    wait_for_answer(page, before)
    return answers(page).last


def box_of(page, selector: str) -> dict:
    """The on-screen box of the last element matching `selector`."""
    return page.evaluate(f"(() => {{ const all = document.querySelectorAll({json.dumps(selector)});"
                         " const r = all[all.length - 1].getBoundingClientRect();"
                         " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; })()")


def feedback_rows(settings) -> list[tuple]:
    from ui.feedback import feedback_path

    db = feedback_path(settings.index_dir)
    if not db.exists():
        return []
    with sqlite3.connect(db) as con:
        return con.execute("SELECT rating, question, refused, cited_sections FROM feedback ORDER BY id").fetchall()


def answer_row(page, answer_number: int):
    return page.locator("#chat .message-row").filter(has=page.locator(".lac-answer")).nth(answer_number)


def rate(page, answer_number: int, button: str = "Like", expect: str = "saved on this computer") -> None:
    """Click a thumb under the answer_number-th answer (0-based) and wait for the confirmation on the control."""
    row = answer_row(page, answer_number)
    row.locator(f"button[aria-label='{button}']").click()
    row.locator(".lac-feedback-status", has_text=expect).wait_for()


def test_chat_answers_with_cards_and_examples(browser, app_url):
    page = open_page(browser, app_url)
    assert page.get_by_text("Please don't type names or personal details").is_visible()
    last = ask(page, SIBLINGS)
    assert "[1]" in last.locator(".lac-short").inner_text()
    cards = last.locator(".lac-card")
    assert cards.count() >= 1
    assert "sibling placements" in cards.first.inner_text().lower()
    assert cards.first.locator(".lac-badge").inner_text().strip()
    assert cards.first.locator("mark.lac-hl").count() >= 1

    page.locator(".lac-examples").get_by_role("button", name="What mandatory training should foster carers have?").click()
    wait_for_answer(page, 1)
    assert "mandatory training" in answers(page).last.inner_text().lower()
    assert page.outside == [], f"the page fetched from outside: {page.outside}"


def test_an_example_question_is_answered_on_its_own_not_as_a_follow_up(browser, app_url):
    """Example questions are written to stand alone: clicked after another topic, the sibling example is answered
    about siblings (test_layout_and_screenshots types it after the respite example)."""
    page = open_page(browser, app_url)
    ask(page, "Can I get a break from caring?")
    page.locator(".lac-examples").get_by_role("button", name=SIBLINGS).click()
    wait_for_answer(page, 1)
    assert "sibling placements" in answers(page).last.locator(".lac-card").first.inner_text().lower()


# 1, 2: the safety notice, first and distinct, on an answer and on a refusal.
# Whether a danger message is answered is decided by the answer path (qa/safety/after.py keeps only guidance that
# speaks to the danger's kind: who at the council deals with children missing from care is answered from NG205
# box 2; neither the disclosure at home nor the grooming question finds such a line among its quotes, so both are
# refused with the topics that speak to it. "Run away again, what do I do?" asks for what to do now, which the
# guidance does not say: refused since the bank classifier's out-of-scope signal, docs/decisions/2026-12-07-question-bank.md,
# session 10); refused=None: the notice comes first either way.
@pytest.mark.parametrize("question,refused", [(MISSING_AGAIN, False), (RUN_AWAY, True), (DISCLOSURE, True),
                                              (GROOMED, True), (NOT_HOME, None)])
def test_safety_notice_is_a_labelled_callout_above_everything_on_a_phone(browser, app_url, question, refused):
    page = open_page(browser, app_url, 390, 844)
    last = ask(page, question)
    was_refused = "lac-refused" in last.get_attribute("class")
    assert refused is None or was_refused is refused
    refused = was_refused
    first = last.locator(":scope > *").first
    assert first.get_attribute("class") == "lac-safety"
    assert first.get_attribute("role") == "note"
    assert first.locator(".lac-safety-label").inner_text().strip().lower() == "safety notice"
    assert "999" in first.inner_text()
    # the message's label reads what is shown ("Safety notice"), not the copy text's "!! SAFETY NOTICE" banner
    page.wait_for_function("(() => { const m = [...document.querySelectorAll('#chat [data-testid=bot]')].pop();"
                           " const l = m && m.getAttribute('aria-label') || '';"
                           " return l.toLowerCase().startsWith('answer: safety notice') && !l.includes('!!'); })()")
    notice = box_of(page, "#chat .lac-safety")
    rest = box_of(page, "#chat .lac-answer .lac-notcovered" if refused else "#chat .lac-answer .lac-short")
    assert notice["bottom"] <= rest["top"]
    assert 0 <= notice["top"] and notice["bottom"] <= 844, "the notice is on the first screen after the answer"
    style = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('#chat .lac-safety'));"
                          " return [s.backgroundColor, s.borderLeftWidth]; })()")
    assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent") and float(style[1].rstrip("px")) >= 4
    page.context.close()


# 3: "New conversation" resets history, the section panel and what a thumb records.
def test_new_conversation_resets_history_panel_and_feedback(browser, app_url, settings):
    page = open_page(browser, app_url)
    ask(page, SIBLINGS)
    page.locator("#chat a.lac-open").first.click()
    page.wait_for_selector("#section-panel .lac-browse")
    ask(page, FRANCE)
    page.locator("#clear").click()
    page.wait_for_function("document.querySelectorAll('#chat .message-row').length === 0")
    page.wait_for_function("!document.querySelector('#section-panel .lac-browse')"
                           " || !document.querySelector('#section-panel').offsetParent")
    assert page.locator(".lac-examples").is_visible()

    ask(page, "respite?")  # read as a follow-up of the earlier questions if the history were still there
    assert "respite" in answers(page).last.inner_text().lower()
    before = len(feedback_rows(settings))
    rate(page, 0)
    rows = feedback_rows(settings)
    assert len(rows) == before + 1
    rating, question, refused, sections = rows[-1]
    assert (rating, question, refused) == ("up", "respite?", 0) and sections
    page.context.close()


def test_a_thumb_records_the_answer_it_sits_under(browser, app_url, settings):
    page = open_page(browser, app_url)
    ask(page, SIBLINGS)
    ask(page, FRANCE)
    rate(page, 0, "Dislike")
    assert feedback_rows(settings)[-1][:3] == ("down", SIBLINGS, 0)
    rate(page, 1, "Like")
    assert feedback_rows(settings)[-1][:3] == ("up", FRANCE, 1)
    page.context.close()


# 4: copy gives the answer with its numbered sources as text; labels are plain text.
def test_copy_and_screen_reader_labels_are_plain_text(browser, app_url):
    page = open_page(browser, app_url, permissions=["clipboard-read", "clipboard-write"])
    ask(page, SIBLINGS)
    row = page.locator("#chat .message-row").filter(has=page.locator(".lac-answer")).last
    row.locator("button[aria-label='Copy message']").click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.includes('Sources:'))")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "<" not in copied and "lac-" not in copied
    assert copied.splitlines()[0].endswith("[1]")
    assert "\nSources:\n[1] Recommendation 15: Support sibling placements" in copied
    labels = page.evaluate("[...document.querySelectorAll('#chat [aria-label]')].map(e => e.getAttribute('aria-label'))")
    assert labels and not [label for label in labels if "<" in label or "class=" in label]
    assert f"Your question: {SIBLINGS}" in labels
    assert any(label.startswith("Answer: ") and "[1]" in label for label in labels)
    page.context.close()


# 5: the three sizes in light and dark: the first screen, an answer with its sources and section, a refusal and a
# safety notice; axe-core on each (no serious or critical violation); the screenshots for review.
SCREENS = {"ask": (SIBLINGS, False), "refusal": (FRANCE, True), "safety": (DISCLOSURE, None)}


def _axe(page, name: str, summary: dict) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_timeout(200)
    violations = Axe().run(page).response["violations"]
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(violations, indent=1))
    serious = [f"{name}: {v['impact']} {v['id']} {[n['target'] for n in v['nodes']][:3]}"
               for v in violations if v["impact"] in ("serious", "critical")]
    summary.setdefault(name, {}).update({"serious_or_critical": len(serious), "all": len(violations)})
    return serious


def _small_targets(page, figures: dict) -> list[str]:
    """Interactive elements on screen smaller than 44x44 px (WCAG 2.5.5); hidden ones and the page's own
    skip links (off screen until focused) are left out. The smallest one goes into `figures`."""
    targets = page.evaluate("""(() => {
      const sel = 'button, a[href], input:not([type=hidden]), textarea, select, [role=tab], [tabindex="0"]';
      return [...document.querySelectorAll(sel)].filter((e) => {
        if (e.closest('.lac-skip-row, .lac-channel') || !e.offsetParent) return false;
        const r = e.getBoundingClientRect();
        return r.width >= 2 && r.height >= 2 && r.bottom >= 0 && r.top <= innerHeight;  // rendered, on screen
      }).map((e) => [`${e.tagName} ${e.getAttribute('aria-label') || e.innerText.trim().slice(0, 30)}`,
                     e.getBoundingClientRect().width, e.getBoundingClientRect().height]);
    })()""")
    name, width, height = min(targets, key=lambda t: min(t[1], t[2]))
    figures["smallest_target"] = f"{name} {width:.0f}x{height:.0f}"
    return [f"{name} {w:.0f}x{h:.0f}" for name, w, h in targets if w < 43.5 or h < 43.5]


def _screenshot(page, name: str) -> None:
    """The viewport as <LAC_SCREENSHOT_DIR>/<name>.png, only when that is set."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_sizes_and_themes_with_axe_and_screenshots(browser, app_url, view, scheme):
    width, height, scale, large = VIEWS[view]
    page = open_page(browser, app_url, width, height, large, wait_for_examples=False, device_scale_factor=scale,
                     color_scheme=scheme)
    tag = f"{view}-{scheme}"
    found: list[str] = []
    summary: dict = {}
    page.wait_for_timeout(300)
    assert page.evaluate("document.body.classList.contains('dark')") is (scheme == "dark")
    assert page.evaluate("window.scrollY") == 0, "the page must not scroll to the question box on load"
    for selector in ("h1", "#privacy-note", "#question textarea"):
        assert box_of(page, selector)["bottom"] <= height, f"{selector} is off the first screen"
    examples = "#chat .placeholder-content .examples button" if view == "phone" or large else ".lac-examples button"
    assert page.locator(examples).first.is_visible()
    assert page.locator(examples).first.bounding_box()["y"] < height, \
        "a first-time user sees example questions on the first screen"
    names = page.evaluate("[...document.querySelectorAll('button')].filter(b => b.offsetParent)"
                          ".map(b => b.innerText.trim())")
    from ui.format import EXAMPLES

    repeated = {n for qs in EXAMPLES.values() for n in qs if names.count(n) > 1}
    assert not repeated, f"example questions shown (and in the Tab order) twice: {repeated}"
    assert page.evaluate("(() => { const b = document.querySelector('#clear'); return b.scrollWidth <= b.clientWidth; })()"), \
        "the New conversation label fits its button"
    if view == "phone":
        top = box_of(page, "#question textarea")["top"]
        assert top < 844
        small = _small_targets(page, summary.setdefault(f"{tag}-start", {}))
        assert small == [], small
        summary[f"{tag}-start"]["question_box_top"] = round(top, 1)
    found += _axe(page, f"{tag}-start", summary)
    _screenshot(page, f"{tag}-start")

    for screen, (question, refused) in SCREENS.items():
        last = ask(page, question)
        assert refused is None or ("lac-refused" in last.get_attribute("class")) is refused
        clear = box_of(page, "#clear")
        assert page.locator("#clear").is_visible() and 0 <= clear["top"] and clear["bottom"] <= height, \
            "New conversation is on screen after an answer"
        assert page.locator("#chat [data-testid='block-label']").count() == 0, "no floating label over the chat"
        question_box = box_of(page, "#chat .lac-question")
        assert 0 <= question_box["top"] and question_box["bottom"] <= box_of(page, "#composer")["top"], \
            "the latest question is on screen, above the question box"
        if screen == "safety":
            notice = box_of(page, "#chat .lac-safety")
            assert notice["bottom"] <= min(height, box_of(page, "#composer")["top"]), "the notice is not covered"
        if view == "phone":
            small = _small_targets(page, summary.setdefault(f"{tag}-{screen}", {}))
            assert small == [], f"every target on the answer screen is 44x44 px: {small}"
        found += _axe(page, f"{tag}-{screen}", summary)
        if screen != "ask":  # the answer's screenshot is taken with its section open
            _screenshot(page, f"{tag}-{screen}")
        if screen == "ask":
            line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#chat .lac-short p')).lineHeight)")
            shown = box_of(page, "#composer")["top"] - question_box["bottom"]
            assert shown >= (6 if view == "phone" else 8) * line, f"the answer shows {shown / line:.1f} lines"
            # [n] reaches its card; the card opens the section in this page, scrolled to its heading.
            page.locator("#chat a.lac-cite").last.click()
            page.wait_for_function("document.activeElement.classList.contains('lac-card')")
            card = box_of(page, ":focus")
            assert 0 <= card["top"] < height / 2
            pages = len(page.context.pages)
            page.locator("#chat .lac-card:focus a.lac-open").click()
            page.wait_for_function("document.activeElement.matches('#section-panel h2')")
            page.wait_for_timeout(150)
            heading = box_of(page, "#section-panel h2")
            assert 0 <= heading["top"] < height / 3, f"the section starts at y={heading['top']}"
            assert len(page.context.pages) == pages, "no new tab"
            bar = box_of(page, "#composer")
            assert bar["bottom"] <= 0 or bar["top"] >= 0, "the question bar is not cut across the section's top"
            if view == "phone":
                small = _small_targets(page, summary.setdefault(f"{tag}-section", {}))
                assert small == [], f"every target on the section panel is 44x44 px: {small}"
            found += _axe(page, f"{tag}-section", summary)
            _screenshot(page, f"{tag}-answer")
            page.locator("#close-section").click()
            page.wait_for_function("document.activeElement.classList.contains('lac-open')")
    (ARTIFACTS / f"axe-summary-{tag}.json").write_text(json.dumps(summary, indent=1))
    assert page.outside == []
    assert found == []
    page.context.close()


def test_a_q_link_asks_its_question_on_load(browser, app_url):
    from urllib.parse import quote

    page = open_page(browser, app_url + "?q=" + quote(SIBLINGS), wait_for_examples=False)
    wait_for_answer(page, 0)
    assert page.locator("#chat .lac-question").last.inner_text() == SIBLINGS
    assert "sibling placements" in answers(page).last.locator(".lac-card").first.inner_text().lower()
    page.context.close()


def test_a_status_question_shows_the_status_first(browser, app_url):
    """ "Is PH28 still current?": the line about the document's status opens the answer (presenter view)."""
    page = open_page(browser, app_url, 1280, 720, large=True, device_scale_factor=1.5)
    last = ask(page, "is PH28 still current?")
    first = last.locator(".lac-short p").first.inner_text()
    assert "NG205" in first and ("replaced" in first or "superseded" in first), first
    assert box_of(page, "#chat .lac-short p")["bottom"] <= 720
    assert not page.locator(".lac-examples").is_visible(), "the presenter view hides the sidebar"
    chat, main = box_of(page, "#chat"), box_of(page, "#main-row")
    assert chat["right"] - chat["left"] >= 0.95 * (main["right"] - main["left"]), "the answer is full width"
    page.context.close()


def test_feedback_reason_pressed_state_and_no_toast(browser, app_url, settings):
    page = open_page(browser, app_url, 390, 844)
    ask(page, SIBLINGS)
    row = answer_row(page, 0)
    like, dislike = row.locator("button[aria-label='Like']"), row.locator("button[aria-label='Dislike']")
    assert like.get_attribute("aria-pressed") == "false"
    rate(page, 0, "Like")
    assert like.get_attribute("aria-pressed") == "true" and dislike.get_attribute("aria-pressed") == "false"
    assert page.locator(".toast-wrap .toast-body, [data-testid='toast-body']").count() == 0, "no toast"
    row.locator("button[aria-label='Say what was wrong']").click()
    row.get_by_role("button", name="Out of date").click()
    row.locator(".lac-feedback-status", has_text="saved on this computer").wait_for()
    page.wait_for_function("(() => { const b = [...document.querySelectorAll('#chat .extra-feedback-option')]"
                           ".find(b => b.innerText.trim() === 'Out of date'); return b && b.getAttribute('aria-pressed') === 'true'; })()")
    assert like.get_attribute("aria-pressed") == "false"
    page.wait_for_timeout(300)
    assert feedback_rows(settings)[-1][:2] == ("down", SIBLINGS)
    from ui.feedback import feedback_path

    with sqlite3.connect(feedback_path(settings.index_dir)) as con:
        assert con.execute("SELECT reason FROM feedback ORDER BY id DESC LIMIT 1").fetchone() == ("Out of date",)
    page.context.close()


def test_enter_to_answer_time(browser, app_url):
    """Enter to the answer on screen, ten questions: recorded in test-artifacts/timing.json (target p90 < 300 ms,
    measured in the benchmarks; asserted here only loosely, so a busy machine does not fail the test)."""
    page = open_page(browser, app_url)
    questions = [q for qs in __import__("ui.format", fromlist=["EXAMPLES"]).EXAMPLES.values() for q in qs] + [FRANCE]
    times = []
    for n, question in enumerate(questions[:10]):
        box = page.locator("#question textarea")
        box.fill(question)
        page.evaluate("window.__lacT0 = performance.now()")
        box.press("Enter")
        page.wait_for_function(f"document.querySelectorAll('#chat .lac-answer').length > {n}", polling="raf")
        times.append(page.evaluate("performance.now() - window.__lacT0"))
        page.wait_for_function("!document.querySelector('#chat .lac-pending')")
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1) + 0.5)]
    figures = {"enter_to_answer_ms": [round(t, 1) for t in times], "p50_ms": round(times[len(times) // 2], 1),
               "p90_ms": round(p90, 1)}
    (ARTIFACTS / "timing.json").write_text(json.dumps(figures, indent=1))
    assert p90 < 5000, figures
    page.context.close()


# 7: the question shows at once, with a visible "finding the guidance" state, even when the answer is slow.
def test_question_shows_at_once_with_a_finding_the_guidance_state(browser, app_url):
    page = open_page(browser, app_url)
    held = []
    page.route("**/gradio_api/queue/join*", lambda route: held.append(route))  # the answer waits for us
    box = page.locator("#question textarea")
    box.fill(SIBLINGS)
    box.press("Enter")
    page.wait_for_function(f"[...document.querySelectorAll('#chat .lac-question')].some(q => q.innerText === {SIBLINGS!r})",
                           timeout=10_000)
    pending = page.locator("#chat .lac-pending")
    assert pending.is_visible() and "Finding the guidance" in pending.inner_text()
    assert pending.get_attribute("role") == "status"
    assert box.input_value() == "" and answers(page).count() == 0
    for route in held:
        route.continue_()
    page.unroute("**/gradio_api/queue/join*")
    wait_for_answer(page, 0)
    assert page.locator("#chat .lac-pending").count() == 0
    page.context.close()


# 8: keyboard only: skip to the box, ask, read the answer, follow a source marker, rate it.
def test_keyboard_only_ask_read_rate(browser, app_url, settings):
    page = open_page(browser, app_url)
    page.bring_to_front()  # a background page gets no :focus styles in headless Chromium
    active = "document.activeElement"
    page.keyboard.press("Tab")
    assert page.evaluate(f"{active}.innerText") == "Skip to the question box"
    on_screen = "document.activeElement.getBoundingClientRect().left >= 0"
    page.wait_for_function(on_screen, timeout=5_000)  # a focused skip link is on screen
    page.keyboard.press("Enter")
    assert page.evaluate(f"{active}.closest('#question') !== null")
    question = "Can I get a break from caring?"
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    wait_for_answer(page, 0)

    page.keyboard.press("Tab")  # the Ask button
    page.keyboard.press("Tab")  # New conversation
    page.keyboard.press("Tab")  # "Read the latest answer"
    assert page.evaluate(f"{active}.id") == "read-answer"
    page.wait_for_function(on_screen, timeout=5_000)
    page.keyboard.press("Enter")
    assert page.evaluate(f"{active}.classList.contains('lac-answer')")
    page.keyboard.press("Tab")  # the first [n] marker is a keyboard stop; Enter moves to its card
    assert page.evaluate(f"{active}.classList.contains('lac-cite')")
    page.keyboard.press("Enter")
    assert page.evaluate(f"{active}.classList.contains('lac-card')")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate(f"{active}.getAttribute('aria-label')") == "Like":
            break
    else:
        pytest.fail("the thumbs are more than 20 Tab presses from the card")
    before = len(feedback_rows(settings))
    page.keyboard.press("Enter")
    page.locator("#chat .lac-feedback-status", has_text="saved on this computer").wait_for()
    assert page.evaluate(f"{active}.getAttribute('aria-pressed')") == "true"
    rows = feedback_rows(settings)
    assert len(rows) == before + 1 and rows[-1][:2] == ("up", question)
    page.context.close()


# 9: "not covered" says why, offers only near topics, a next step marked as ours, and no source cards.
def test_not_covered_says_why_and_what_to_do_next(browser, app_url):
    page = open_page(browser, app_url)
    refused = ask(page, FRANCE)
    statement = refused.locator(".lac-notcovered").inner_text()
    assert "Not covered by this guidance" in statement and "None of its sections is about this" in statement
    step = refused.locator(".lac-next-step")
    assert step.is_visible() and step.inner_text().startswith("Our suggestion (not from the guidance)")
    assert "social worker" in step.inner_text()
    assert refused.locator(".lac-card").count() == 0 and refused.locator(".lac-nearest").count() == 0
    row = page.locator("#chat .message-row").filter(has=page.locator(".lac-refused")).last
    assert row.locator(".option").count() == 0, "no far-off topics offered for the capital of France"
    page.context.close()


def test_user_text_is_rendered_as_text_not_html(browser, app_url):
    page = open_page(browser, app_url)
    evil = "<script>window.__lac_pwned=1</script><img src=x onerror=\"window.__lac_pwned=2\"> brothers and sisters"
    ask(page, evil)
    assert page.evaluate("window.__lac_pwned === undefined")
    assert "<script>window.__lac_pwned=1</script>" in page.locator("#chat .lac-question").last.inner_text()
    assert page.locator("#chat img[src='x']").count() == 0
    page.context.close()


def test_a_section_link_opens_browse_at_the_section(browser, app_url):
    """A ?section= link (shared, or opened without the page script) shows Browse with the section on screen."""
    page = open_page(browser, app_url + "?section=ph28-qrg%2Frec-15", 390, 844, wait_for_examples=False)
    page.wait_for_function("document.querySelector('#browse-body') && "
                           "document.querySelector('#browse-body').innerText.toLowerCase().includes('sibling placements')")
    page.wait_for_function("document.activeElement && document.activeElement.matches('#browse-body .lac-browse')")
    assert 0 <= box_of(page, "#browse-body h2")["top"] < 844 / 3
    page.locator("#large-text").click()
    page.wait_for_function("document.body.classList.contains('lac-large')")
    page.context.close()
