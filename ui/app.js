() => {
  // The app's behaviour in the browser, run once when the page loads (ui/views.py passes it to launch).
  // Gradio labels and copies a chat message as its raw HTML; here both become the message's plain text.

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
    const text = messageText(message).replace(/\s+/g, " ");
    const who = message.dataset.testid === "user" ? "Your question" : "Answer";
    return `${who}: ${text.length > 300 ? text.slice(0, 297) + "..." : text}`;
  };

  const fixLabels = () => {
    // Gradio's example list holds buttons, not list items (axe: aria-required-children).
    document.querySelectorAll('#chat .examples[role="list"]').forEach((list) => list.removeAttribute("role"));
    document.querySelectorAll('#chat [data-testid="user"], #chat [data-testid="bot"]').forEach((message) => {
      const label = labelFor(message);
      if (message.getAttribute("aria-label") !== label) message.setAttribute("aria-label", label);
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
    if (!target) return;
    if (!target.matches("input, textarea, button, a[href]")) target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  };

  // A polite live region for short announcements (skip links with nothing to skip to).
  const live = document.createElement("div");
  live.className = "lac-sr";
  live.setAttribute("role", "status");
  document.body.appendChild(live);
  window.lacSay = (text) => { live.textContent = text; };

  document.addEventListener("click", (event) => {
    const skip = event.target.closest("[data-lac-skip]");
    if (skip) {
      event.preventDefault();
      focusTarget(skip.dataset.lacSkip);
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

  new MutationObserver(fixLabels).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-label"],
  });
  fixLabels();
}
