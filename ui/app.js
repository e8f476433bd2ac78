() => {
  // The app's behaviour in the browser, run once when the page loads (ui/views.py passes it to launch).
  // Gradio labels and copies a chat message as its raw HTML; here both become the message's plain text.
  // [n] markers move to their source card, "Read the whole section" opens the section panel in this page,
  // and the feedback controls get a pressed state and show their confirmation on themselves (no toasts).

  const messageText = (message) => {
    const plain = message.querySelector(".lac-plain");  // the answer as text, numbered sources included
    if (plain) {
      const copy = plain.cloneNode(true);
      copy.querySelectorAll("br").forEach((br) => br.replaceWith("\n"));
      return copy.textContent.trim();
    }
    const shown = message.querySelector(".lac-question, .lac-pending, .message-content") || message;
    return shown.innerText.trim();
  };

  const messageOf = (element) => {
    const row = element.closest(".message-row");
    return row && row.querySelector('[data-testid="user"], [data-testid="bot"]');
  };

  const labelFor = (message) => {
    // What is shown, as shown ("Safety notice ..."), not the copy text's "!! SAFETY NOTICE" banner.
    const answer = message.querySelector(".lac-answer");
    const text = (answer ? answer.innerText : messageText(message)).replace(/\s+/g, " ").trim();
    const who = message.dataset.testid === "user" ? "Your question" : "Answer";
    return `${who}: ${text.length > 300 ? text.slice(0, 297) + "..." : text}`;
  };

  const FEEDBACK = { Like: "Like", Liked: "Like", Dislike: "Dislike", Disliked: "Dislike" };
  const feedbackChoice = (button) =>
    FEEDBACK[button.getAttribute("aria-label")] || button.dataset.lacChoice ||
    (button.classList.contains("extra-feedback-option") ? button.textContent.trim() : null);

  const fixLabels = () => {
    // Gradio's example list holds buttons, not list items (axe: aria-required-children).
    document.querySelectorAll('#chat .examples[role="list"]').forEach((list) => list.removeAttribute("role"));
    document.querySelectorAll('#chat [data-testid="user"], #chat [data-testid="bot"]').forEach((message) => {
      const label = labelFor(message);
      if (message.getAttribute("aria-label") !== label) message.setAttribute("aria-label", label);
    });
    // The thumbs keep one name ("Like", "Dislike"); their state is aria-pressed, kept by the click handler.
    document.querySelectorAll("#chat .message-buttons button").forEach((button) => {
      const label = button.getAttribute("aria-label");
      if (label === "Liked" || label === "Disliked") {
        button.dataset.lacChoice = FEEDBACK[label];
        button.setAttribute("aria-label", FEEDBACK[label]);
        button.setAttribute("title", FEEDBACK[label]);
      }
      const choice = feedbackChoice(button);
      if (choice && !button.hasAttribute("aria-pressed")) button.setAttribute("aria-pressed", "false");
      if (label === "Feedback") {
        button.setAttribute("aria-label", "Say what was wrong");
        button.setAttribute("title", "Say what was wrong");
        button.setAttribute("aria-expanded", button.closest(".extra-feedback").classList.contains("lac-open") ? "true" : "false");
      }
    });
  };

  const copyText = async (text) => {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = document.createElement("textarea");  // plain http on a LAN address: no clipboard API
    area.value = text;
    area.style.position = "fixed";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  };

  const focusOn = (target, block = "start") => {
    if (!target) return;
    if (!target.matches("input, textarea, button, a[href]")) target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block, behavior: "instant" });
    target.focus({ preventScroll: true });
  };

  const focusTarget = (selector) => {
    let target = null;
    if (selector === "latest-answer") {
      const answers = document.querySelectorAll("#chat .lac-answer");
      target = answers[answers.length - 1] || null;
      if (!target) {
        window.lacSay("There is no answer yet. Ask a question first.");
        target = document.querySelector("#question textarea");
      }
    } else {
      target = document.querySelector(selector);
    }
    focusOn(target);
  };

  // A polite live region for short announcements (skip links with nothing to skip to).
  const live = document.createElement("div");
  live.className = "lac-sr";
  live.setAttribute("role", "status");
  document.body.appendChild(live);
  window.lacSay = (text) => { live.textContent = text; };

  // The latest question at the top of the screen after an answer, so the short answer is read first.
  window.lacShowLatest = () => {
    const qs = document.querySelectorAll("#chat .lac-question");
    if (qs.length) {
      const q = qs[qs.length - 1];
      (q.closest(".message-row") || q).scrollIntoView({ block: "start", behavior: "instant" });
    }
  };

  // The section panel: opened from a card, shown scrolled to the section's top; closing returns to the card.
  let opener = null;
  let requests = 0;
  const requestSection = (sectionId) => {
    const field = document.querySelector("#section-request textarea, #section-request input");
    if (!field) return false;
    field.value = `${sectionId}#${++requests}`;  // a new value each time, so the same section opens again
    field.dispatchEvent(new Event("input", { bubbles: true }));
    return true;
  };
  window.lacShowPanel = () => {
    const heading = document.querySelector("#section-panel #section-body h2");
    const panel = document.querySelector("#section-panel");
    if (!panel || !heading) return;
    panel.scrollIntoView({ block: "start", behavior: "instant" });
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  };
  window.lacPanelClosed = () => {
    if (opener && document.contains(opener)) focusOn(opener, "center");
    else focusOn(document.querySelector("#question textarea"), "center");
    opener = null;
  };
  window.lacShowBrowse = () => {
    if (!new URLSearchParams(window.location.search).get("section")) return;
    const body = document.querySelector("#browse-body .lac-browse");
    if (body) focusOn(body);
  };

  // Feedback: one choice per answer (Like, Dislike or a reason), as Gradio keeps it; shown as aria-pressed.
  let lastFeedback = null;
  const feedbackButtons = (row) =>
    [...row.querySelectorAll(".message-buttons button")].filter((b) => feedbackChoice(b));
  const setPressed = (row, choice) => {
    feedbackButtons(row).forEach((b) => b.setAttribute("aria-pressed", feedbackChoice(b) === choice ? "true" : "false"));
    row.dataset.lacChoice = choice || "";
  };
  const statusOf = (row) => {
    let status = row.querySelector(".lac-feedback-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "lac-feedback-status";
      status.setAttribute("role", "status");
      const buttons = row.querySelector(".message-buttons");
      (buttons || row).appendChild(status);
    }
    return status;
  };
  window.lacFeedbackDone = (raw) => {
    let result = null;
    try { result = JSON.parse(raw || "null"); } catch (e) { return; }
    if (!result || !lastFeedback) return;
    const { row, previous } = lastFeedback;
    lastFeedback = null;
    if (!result.ok) setPressed(row, previous);  // not stored: the control shows what is stored
    const status = statusOf(row);
    status.textContent = result.message || "";
    status.classList.toggle("lac-feedback-error", !result.ok);
  };

  document.addEventListener("click", (event) => {
    const large = event.target.closest("#large-text");
    if (large) {  // Larger text, which is also the presenter view (no sidebar, the answer full width)
      const on = large.getAttribute("aria-pressed") !== "true";
      large.setAttribute("aria-pressed", on ? "true" : "false");
      document.body.classList.toggle("lac-large", on);
      return;
    }
    const skip = event.target.closest("[data-lac-skip]");
    if (skip) {
      event.preventDefault();
      focusTarget(skip.dataset.lacSkip);
      return;
    }
    const cite = event.target.closest("#chat a.lac-cite");
    if (cite) {  // [n] -> source card n of the same answer
      event.preventDefault();
      event.stopImmediatePropagation();
      const n = (cite.getAttribute("href") || "").replace("#source-", "");
      const answer = cite.closest(".lac-answer");
      const card = answer && answer.querySelector(`.lac-card.lac-src-${CSS.escape(n)}`);
      if (card) {
        focusOn(card);
        card.classList.remove("lac-flash");
        void card.offsetWidth;  // restart the highlight
        card.classList.add("lac-flash");
      }
      return;
    }
    const open = event.target.closest("#chat a.lac-open");
    if (open) {  // the whole section in the panel beside (or under) the chat: never a new tab of the app
      const sectionId = new URL(open.getAttribute("href"), window.location.href).searchParams.get("section");
      if (sectionId && requestSection(sectionId)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        opener = open;
      }
      return;
    }
    const more = event.target.closest('#chat .extra-feedback > button');
    if (more) {  // the reasons open in the row, under the thumbs (not a hover pop-up over the answer)
      const box = more.closest(".extra-feedback");
      box.classList.toggle("lac-open");
      more.setAttribute("aria-expanded", box.classList.contains("lac-open") ? "true" : "false");
      return;
    }
    const fb = event.target.closest("#chat .message-buttons button");
    const choice = fb && feedbackChoice(fb);
    if (choice) {
      const row = fb.closest(".message-row");
      const previous = row.dataset.lacChoice || "";
      const next = previous === choice ? "" : choice;
      setPressed(row, next);
      lastFeedback = { row, previous };
      statusOf(row).textContent = "Saving...";
      if (fb.classList.contains("extra-feedback-option")) {
        const box = fb.closest(".extra-feedback");
        if (box) box.classList.remove("lac-open");
      }
      return;
    }
    const copy = event.target.closest('#chat button[aria-label="Copy message"]');
    const message = copy && messageOf(copy);
    if (message) {  // before Gradio's own handler, which would copy the HTML
      event.preventDefault();
      event.stopImmediatePropagation();
      copyText(messageText(message)).then(() => {
        copy.classList.add("lac-copied");
        window.lacSay("Copied.");
        setTimeout(() => copy.classList.remove("lac-copied"), 1500);
      });
    }
  }, true);

  // At most once a frame: the chat changes in bursts while an answer is drawn.
  let queued = false;
  const fixSoon = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fixLabels(); });
  };
  new MutationObserver(fixSoon).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-label"],
  });
  fixLabels();
}
