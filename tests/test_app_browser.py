"""End to end in a real browser: Debian's Chromium driven by Playwright against the running app.

Skips (with a reason) when /usr/bin/chromium is missing, except under CI=true, where it fails instead.
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

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

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser, url, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page, outside


def ask(page, question: str) -> None:
    before = page.locator("#chat .lac-answer").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#chat .lac-answer').length > {before}")


@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_chat_answers_with_cards_examples_and_not_covered(browser, app_url, width, height, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page, outside = open_page(browser, app_url, width, height)
    assert page.get_by_text("Please don't type names or personal details").is_visible()

    ask(page, "Will the child I look after be placed with their brothers and sisters?")
    last = page.locator("#chat .lac-answer").last
    assert "[1]" in last.locator(".lac-short").inner_text()
    cards = last.locator(".lac-card")
    assert cards.count() >= 1
    assert "sibling placements" in cards.first.inner_text().lower()
    assert cards.first.locator(".lac-badge").inner_text().strip()
    assert cards.first.locator("mark.lac-hl").count() >= 1
    page.screenshot(path=str(ARTIFACTS / f"app-{name}-answer.png"))

    page.get_by_role("button", name="What training should foster carers get?").click()
    page.wait_for_function("document.querySelectorAll('#chat .lac-answer').length >= 2")
    assert "training" in page.locator("#chat .lac-answer").last.inner_text().lower()

    # A fresh conversation: a two-word question right after others is read as a follow-up by qa.conversation.
    page.locator("#clear").click()
    page.wait_for_function("document.querySelectorAll('#chat .lac-answer').length === 0")
    ask(page, "What is the capital of France?")
    refused = page.locator("#chat .lac-answer").last
    assert "Not covered by this guidance" in refused.inner_text()
    topic_buttons = page.locator("#chat button").filter(has_text="Glossary")
    assert topic_buttons.count() >= 1  # nearest topics offered as clickable suggestions
    page.screenshot(path=str(ARTIFACTS / f"app-{name}-not-covered.png"), full_page=True)
    assert outside == [], f"the page fetched from outside: {outside}"
    page.close()


def test_user_text_is_rendered_as_text_not_html(browser, app_url):
    page, _ = open_page(browser, app_url, 1280, 900)
    evil = "<script>window.__lac_pwned=1</script><img src=x onerror=\"window.__lac_pwned=2\"> brothers and sisters"
    ask(page, evil)
    assert page.evaluate("window.__lac_pwned === undefined")
    assert "<script>window.__lac_pwned=1</script>" in page.locator("#chat .lac-question").last.inner_text()
    assert page.locator("#chat img[src='x']").count() == 0
    page.close()


def test_card_link_opens_the_section_in_browse_and_feedback_is_stored(browser, app_url, settings):
    from ui.feedback import feedback_path

    page, _ = open_page(browser, app_url, 1280, 900)
    ask(page, "Will the child I look after be placed with their brothers and sisters?")
    href = page.locator("#chat .lac-card a.lac-open").first.get_attribute("href")
    assert href.startswith("?section=")

    db = feedback_path(settings.index_dir)
    before = len(sqlite3.connect(db).execute("SELECT * FROM feedback").fetchall()) if db.exists() else 0
    page.locator("#chat button[aria-label='Like']").last.click()
    page.wait_for_function("document.body.innerText.includes('feedback was saved')")
    rows = sqlite3.connect(db).execute("SELECT rating, question, cited_sections FROM feedback").fetchall()
    assert len(rows) == before + 1 and rows[-1][0] == "up" and "brothers and sisters" in rows[-1][1]

    page.locator("#open-section").click()
    page.wait_for_function("document.querySelector('#browse-body') && "
                           "document.querySelector('#browse-body').innerText.includes('sibling')")

    page.goto(app_url + href)
    page.wait_for_function("document.querySelector('#browse-body') && "
                           "document.querySelector('#browse-body').innerText.toLowerCase().includes('sibling placements')")
    page.locator("#large-text input").check()
    page.wait_for_function("document.body.classList.contains('lac-large')")
    page.screenshot(path=str(ARTIFACTS / "app-desktop-browse-large-text.png"))
    page.close()
