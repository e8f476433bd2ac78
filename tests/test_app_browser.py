"""End to end in a real browser: Debian's Chromium driven by Playwright against the running app.

Skips (with a reason) when /usr/bin/chromium is missing, except under CI=true, where it fails instead.
Screenshots of the phone (390x844), desktop (1280x900) and projector (1024x768, Larger text) views, and the
axe-core accessibility reports, go to test-artifacts/ (git-ignored) for review.
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
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT = 60_000
VIEWS = {"phone": (390, 844, False), "desktop": (1280, 900, False), "projector": (1024, 768, True)}
SIBLINGS = "Will the child I look after be placed with their brothers and sisters?"
DISCLOSURE = "The girl I foster just told me someone at home is hurting her. What do I do?"
NOT_HOME = "My foster son hasn't come home tonight, what should I do?"
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


def open_page(browser, url, width=1280, height=900, large=False, **context):
    page = browser.new_context(viewport={"width": width, "height": height}, **context).new_page()
    page.set_default_timeout(TIMEOUT)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    page.wait_for_function("document.querySelector('#chat .placeholder-content .examples button')")
    if large:
        page.locator("#large-text input").check()
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


def rate(page, answer_number: int, button: str = "Like") -> None:
    """Click a thumb under the answer_number-th answer (0-based) and wait for the thank-you."""
    row = page.locator("#chat .message-row").filter(has=page.locator(".lac-answer")).nth(answer_number)
    row.locator(f"button[aria-label='{button}']").click()
    page.wait_for_function("document.body.innerText.includes('feedback was saved')")


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


# 1, 2: the safety notice, first and distinct, on a refusal and on an answer.
# refused=None: the notice must come first whether or not the guidance answers the question (answer quality,
# issue 12, decides that; "hasn't come home tonight" is refused by today's coverage model).
@pytest.mark.parametrize("question,refused", [(DISCLOSURE, True), (GROOMED, False), (NOT_HOME, None)])
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
    notice = box_of(page, "#chat .lac-safety")
    rest = box_of(page, "#chat .lac-answer .lac-notcovered" if refused else "#chat .lac-answer .lac-short")
    assert notice["bottom"] <= rest["top"]
    assert 0 <= notice["top"] and notice["bottom"] <= 844, "the notice is on the first screen after the answer"
    style = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('#chat .lac-safety'));"
                          " return [s.backgroundColor, s.borderLeftWidth]; })()")
    assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent") and float(style[1].rstrip("px")) >= 4
    page.context.close()


# 3: every way of clearing resets history, the cited-section list and what a thumb records.
@pytest.mark.parametrize("clear", ["#chat button[aria-label='Clear']", "#clear"])
def test_every_way_of_clearing_resets_history_citations_and_feedback(browser, app_url, settings, clear):
    page = open_page(browser, app_url)
    ask(page, SIBLINGS)
    assert page.locator("#cited-section input").input_value().startswith("[1]")
    ask(page, FRANCE)
    page.locator(clear).click()
    page.wait_for_function("document.querySelectorAll('#chat .message-row').length === 0")
    page.wait_for_function("document.querySelector('#cited-section input').value === ''")
    assert page.locator("#cited-section input").is_disabled()

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


# 5: layout on load and after an answer, in the three views; the screenshots for review.
@pytest.mark.parametrize("view", list(VIEWS))
def test_layout_and_screenshots(browser, app_url, view):
    width, height, large = VIEWS[view]
    page = open_page(browser, app_url, width, height, large)
    page.wait_for_timeout(500)
    assert page.evaluate("window.scrollY") == 0, "the page must not scroll to the question box on load"
    for selector in ("h1", "#privacy-note"):
        assert box_of(page, selector)["bottom"] <= height, f"{selector} is off the first screen"
    examples = page.locator("#chat .placeholder-content .examples button")
    assert examples.count() >= 3
    assert box_of(page, "#chat .placeholder-content .examples button:first-child")["bottom"] <= height, \
        "a first-time user sees example questions on the first screen"
    if view == "desktop":
        assert box_of(page, "#question textarea")["bottom"] <= height, "the question box is on the first screen"
    page.screenshot(path=str(ARTIFACTS / f"app-{view}-start.png"))

    examples.first.click()
    wait_for_answer(page, 0)
    ask(page, SIBLINGS)
    assert "sibling placements" in answers(page).last.locator(".lac-card").first.inner_text().lower(), \
        "typed after the respite example, the sibling question is answered about siblings (README: Follow-ups)"
    assert page.locator("#chat [data-testid='block-label']").count() == 0, "no floating label over the chat"
    assert not page.locator("#chat .scroll-down-button-container").is_visible(), "no arrow over the answer"
    question = box_of(page, "#chat .lac-question")
    chat = box_of(page, "#chat")
    assert chat["top"] <= question["top"], "the latest question is not covered"
    field = box_of(page, "#cited-section input")
    arrow = box_of(page, "#cited-section .icon-wrap")
    assert field["right"] <= arrow["left"] + 1, "the cited-section text runs under its arrow"
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#chat .lac-short p')).lineHeight)")
    shown = min(chat["bottom"], height) - max(question["bottom"], chat["top"], 0)
    assert shown >= 10 * line, f"the chat shows {shown / line:.1f} lines of the answer"
    page.screenshot(path=str(ARTIFACTS / f"app-{view}-answer.png"))

    if not large:
        page.locator("#large-text input").check()
        page.wait_for_function("document.body.classList.contains('lac-large')")
    sizes = page.evaluate("""(() => {
      const px = (el) => parseFloat(getComputedStyle(el).fontSize);
      const buttons = [...document.querySelectorAll('.lac-examples button')].map(px);
      const headings = [...document.querySelectorAll('.lac-examples h2, .lac-examples h3')].map(px);
      return {button: Math.max(...buttons), heading: Math.min(...headings)}; })()""")
    assert sizes["heading"] > sizes["button"], f"Larger text: headings smaller than buttons {sizes}"
    overflow = page.evaluate("(() => { const b = document.querySelector('#clear');"
                             " return [b.scrollWidth - b.clientWidth, b.scrollHeight - b.clientHeight]; })()")
    assert overflow[0] <= 0 and overflow[1] <= 0, f"'New conversation' overflows its button by {overflow}"
    ask(page, FRANCE)
    page.screenshot(path=str(ARTIFACTS / f"app-{view}-not-covered.png"))
    assert page.outside == []
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


# 8: keyboard only: skip to the box, ask, read the answer, rate it; the cited-section list closes behind you.
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
    page.keyboard.press("Tab")  # "Read the latest answer"
    assert page.evaluate(f"{active}.id") == "read-answer"
    page.wait_for_function(on_screen, timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "app-desktop-keyboard-read-answer-link.png"))
    page.keyboard.press("Enter")
    assert page.evaluate(f"{active}.classList.contains('lac-answer')")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate(f"{active}.getAttribute('aria-label')") == "Like":
            break
    else:
        pytest.fail("the thumbs are more than 12 Tab presses from the answer")
    before = len(feedback_rows(settings))
    page.keyboard.press("Enter")
    page.wait_for_function("document.body.innerText.includes('feedback was saved')")
    rows = feedback_rows(settings)
    assert len(rows) == before + 1 and rows[-1][:2] == ("up", question)

    page.locator("#cited-section input").focus()
    page.wait_for_function("document.querySelector('#cited-section .options')")
    assert page.locator("#cited-section .options").is_visible()
    page.keyboard.press("Tab")
    assert not page.locator("#cited-section .options").is_visible(), "the list stays open after tabbing past it"
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


def test_card_link_opens_the_section_in_browse(browser, app_url):
    page = open_page(browser, app_url)
    ask(page, SIBLINGS)
    href = page.locator("#chat .lac-card a.lac-open").first.get_attribute("href")
    assert href.startswith("?section=")
    page.locator("#open-section").click()
    page.wait_for_function("document.querySelector('#browse-body') && "
                           "document.querySelector('#browse-body').innerText.includes('sibling')")
    page.goto(app_url + href)
    page.wait_for_function("document.querySelector('#browse-body') && "
                           "document.querySelector('#browse-body').innerText.toLowerCase().includes('sibling placements')")
    page.locator("#large-text input").check()
    page.wait_for_function("document.body.classList.contains('lac-large')")
    page.screenshot(path=str(ARTIFACTS / "app-desktop-browse-large-text.png"))
    page.context.close()


def _serious_violations(page, name: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_timeout(300)
    result = Axe().run(page)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(result.response["violations"], indent=1))
    return [f"{name}: {v['impact']} {v['id']} {[n['target'] for n in v['nodes']][:3]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def test_main_views_have_no_serious_accessibility_violations(browser, app_url):
    found = []
    page = open_page(browser, app_url)
    found += _serious_violations(page, "start")
    ask(page, GROOMED)
    found += _serious_violations(page, "answer-with-safety-notice")
    ask(page, FRANCE)
    found += _serious_violations(page, "not-covered")
    page.locator("#large-text input").check()
    found += _serious_violations(page, "larger-text")
    page.get_by_role("tab", name="Browse the guidance").click()
    page.wait_for_selector("#browse-body .lac-browse")
    found += _serious_violations(page, "browse")
    page.context.close()
    phone = open_page(browser, app_url, 390, 844)
    ask(phone, SIBLINGS)
    found += _serious_violations(phone, "phone-answer")
    phone.context.close()
    assert found == []
