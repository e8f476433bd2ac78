"""PH28 quick reference guide (OCR of a two-column PDF): intro, principles, 52 recommendations by topic, back page.

On the recommendation pages the OCR puts a role (left column) and a recommendation title (right column) on one
line. Known role names (data/ph28_roles.txt) are stripped from the left of a line; the rest is title text. Role
names wrapped over two lines are rejoined by extending a pending role while the next line continues a known name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.clean import SENTENCE_END, clean_ocr_lines, data_lines, join_wrapped, lines_of
from ingest.model import Document, Section
from ingest.parsers.common import numbered, paragraphs

PAGE_FURNITURE = (
    re.compile(r"See www\.nice\.org\.uk/guidance/PH28 or www\.scie\.org\.uk"),
    re.compile(r"for details of the recommendations"),
    re.compile(r"Looked-after children and young people:"),
    re.compile(r"NICE/SCIE guidance Guide to the recommendations"),
    re.compile(r"Quick reference guide"),
)
PRINCIPLES = "Principles and values"
RECOMMENDATIONS = "Guide to the recommendations"
WHO = "Who should take action?"
REC = re.compile(r"Recommendation (\d{1,2}):\s*(.*)$")
ROLES_NOTE = (
    "The quick reference guide lists these roles for the whole topic; its two-column layout does not show "
    "which role goes with which recommendation."
)
PROSE_MIN_CHARS = 80


@dataclass
class Topic:
    heading: list[str] = field(default_factory=list)
    fragments: list[list[str]] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    recs: list[tuple[int, list[str]]] = field(default_factory=list)

    def add_role(self, role: str) -> None:
        if role and role not in self.roles:
            self.roles.append(role)


def parse(doc: Document) -> list[Section]:
    lines = clean_ocr_lines([line for line in lines_of(doc.text) if not _is_furniture(line)])
    principles_at, recs_at = lines.index(PRINCIPLES), lines.index(RECOMMENDATIONS)
    topics, end = read_topics(lines[recs_at + 1 :])
    back = paragraphs(lines[recs_at + 1 + end :])
    sections = [_intro(doc.doc_id, paragraphs(lines[:principles_at])), _principles(doc.doc_id, lines[principles_at + 1 : recs_at])]
    sections += [section for topic in topics for section in _recommendations(doc.doc_id, topic)]
    sections.append(Section(f"{doc.doc_id}/about", doc.doc_id, "Implementation tools and further information", "\n".join(back[:-1]), kind="about"))
    sections.append(Section(f"{doc.doc_id}/responsibility", doc.doc_id, "Implementation responsibility", back[-1], kind="legal"))
    return numbered(sections)


def _is_furniture(line: str) -> bool:
    return any(p.fullmatch(line.strip()) for p in PAGE_FURNITURE)


def _intro(doc_id: str, paras: list[str]) -> Section:
    return Section(f"{doc_id}/intro", doc_id, paras[0], "\n".join(paras[1:]), kind="intro")


def _principles(doc_id: str, lines: list[str]) -> Section:
    """Lead-in, bullets, then the footnote saying where the principles come from (kept as a reference)."""
    paras = paragraphs(lines)
    last_bullet = max(n for n, p in enumerate(paras) if p.startswith("- "))
    return Section(
        f"{doc_id}/principles", doc_id, PRINCIPLES, "\n".join(paras[: last_bullet + 1]),
        kind="principles", references=tuple(paras[last_bullet + 1 :]),
    )


def _recommendations(doc_id: str, topic: Topic) -> list[Section]:
    heading = join_wrapped(topic.heading)
    paragraph = " ".join(chain_fragments([join_wrapped(f) for f in topic.fragments]))
    shared = len(topic.recs) > 1
    sections = []
    for number, parts in topic.recs:
        label = f"Recommendation {number}: {join_wrapped(parts)}"
        text = [f"{label}."]
        if heading:
            text.append(f"Topic: {heading}.")
        if paragraph:
            text.append(paragraph)
        text.append(f"Who should take action: {'; '.join(topic.roles)}")
        sections.append(
            Section(f"{doc_id}/rec-{number}", doc_id, label, "\n".join(text), kind="recommendation",
                    roles=tuple(topic.roles), roles_note=ROLES_NOTE if shared else None)
        )
    return sections


def chain_fragments(fragments: list[str]) -> list[str]:
    """Put OCR-scrambled pieces of a paragraph back in order: an unfinished piece continues with the next piece
    that starts in lower case ('...build their self-' + 'esteem and assertiveness.')."""
    pending = list(fragments)
    out: list[str] = []
    while pending:
        starts = [f for f in pending if not f[:1].islower()] or pending
        text = starts[0]
        pending.remove(text)
        while not text.endswith(SENTENCE_END) and (more := [f for f in pending if f[:1].islower()]):
            pending.remove(more[0])
            text = join_wrapped([text, more[0]])
        out.append(text)
    return out


class RoleReader:
    """Finds role names at the start of lines, rejoining names the layout wrapped onto a later line."""

    def __init__(self, roles: tuple[str, ...]):
        self.roles = roles
        self.partial = ""

    def _is_prefix(self, candidate: str) -> bool:
        return any(role == candidate or role.startswith(candidate + " ") for role in self.roles)

    def _longest(self, base: str, words: list[str]) -> int:
        for k in range(len(words), 0, -1):
            if self._is_prefix(join_wrapped([base, *words[:k]])):
                return k
        return 0

    def _accepted(self, base: str, words: list[str], min_words: int) -> int:
        """Words of the line that start (or continue) a role: a whole name, the whole line (the name goes on
        below), or at least min_words words with title text to their right. 0 if none."""
        k = self._longest(base, words)
        candidate = join_wrapped([base, *words[:k]])
        return k if k and (candidate in self.roles or k == len(words) or k >= min_words) else 0

    def take(self, text: str) -> tuple[list[str], str]:
        """Roles completed by this line and the rest of the line (title text)."""
        done: list[str] = []
        words = text.split()
        if self.partial and (k := self._accepted(self.partial, words, len(words) + 1)):
            self.partial, words = join_wrapped([self.partial, *words[:k]]), words[k:]
        if words and (k := self._accepted("", words, 3)):
            done += self.flush()
            self.partial, words = " ".join(words[:k]), words[k:]
        return done, " ".join(words)

    def flush(self) -> list[str]:
        role, self.partial = self.partial, ""
        return [role] if role else []


def _next_marker(lines: list[str], start: int) -> str | None:
    for line in lines[start:]:
        if line == WHO:
            return "who"
        if REC.search(line):
            return "rec"
    return None


def _is_prose(line: str) -> bool:
    return len(line) >= PROSE_MIN_CHARS or line.endswith(SENTENCE_END)


def read_topics(lines: list[str]) -> tuple[list[Topic], int]:
    """Topics of the recommendation pages and the index of the first line after them."""
    reader = RoleReader(data_lines("ph28_roles.txt"))
    topics: list[Topic] = []
    pending = Topic()  # heading and paragraph pieces seen before the next 'Who should take action?'
    topic: Topic | None = None
    prose_at = -2  # index of the last prose line, to keep wrapped prose lines together

    def add_prose(target: Topic, n: int, line: str) -> None:
        nonlocal prose_at
        if prose_at == n - 1 and target.fragments:
            target.fragments[-1].append(line)
        else:
            target.fragments.append([line])
        prose_at = n

    for n, raw in enumerate(lines):
        line = raw.removeprefix("- ").strip()
        if not line:
            continue
        if line == WHO:
            if topic:
                for role in reader.flush():
                    topic.add_role(role)
            topic, pending = pending, Topic()
            topics.append(topic)
            continue
        if topic is None or pending.heading or pending.fragments:  # before the roles: heading and paragraph
            if not pending.heading and not pending.fragments and not line.endswith(SENTENCE_END) and line[:1].isupper():
                pending.heading.append(line)
            elif pending.heading and not pending.fragments and line[:1].islower() and not _is_prose(line):
                pending.heading.append(line)
            else:
                add_prose(pending, n, line)
            continue
        match = REC.search(line)
        left = line[: match.start()].strip() if match else line
        roles, rest = reader.take(left) if left else ([], "")
        for role in roles:
            topic.add_role(role)
        if match:
            topic.recs.append((int(match.group(1)), [match.group(2)]))
        elif rest and rest != left:  # title text to the right of a role
            if topic.recs:
                topic.recs[-1][1].append(rest)
        elif rest:
            ends_sentence = prose_at == n - 1 or rest.endswith(SENTENCE_END)
            if not ends_sentence and rest[:1].isupper() and _next_marker(lines, n + 1) != "rec":
                for role in reader.flush():  # a heading: the next topic (or the back page) starts here
                    topic.add_role(role)
                if _next_marker(lines, n + 1) is None:
                    return topics, n
                pending.heading.append(rest)
            elif ends_sentence or len(rest) >= PROSE_MIN_CHARS:
                add_prose(pending if topic.recs else topic, n, rest)
            elif topic.recs:
                topic.recs[-1][1].append(rest)
    if topic:
        for role in reader.flush():
            topic.add_role(role)
    return topics, len(lines)
