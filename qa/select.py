"""From scored units to what an answer shows: which sections it cites, which passage of each, which sentences.

- The sections are cited in the order of their best unit, except that the one whose shown passage comes nearest
  the question (Evidence.passage_nearness: the bank questions it answers, and its own text) leads; then current
  guidance before replaced guidance (the replaced one is labelled by the answer's currency note). Each citation
  shows the passage holding its section's best unit, so a question about one detail of a long box cites the part
  of the box that answers it.
- Only guidance text is quoted: a section's own title repeated in its text (the PH28 quick reference guide's
  recommendations) and text shared by several sections of one document (a PH28 topic paragraph) are never the
  answer's content. A PH28 title that matches is shown as what it is, on a line of its own, from a share of the
  best sentence's probability fitted on train (train/fit.py title_share); shared topic text is context, quoted
  beside the best substantive sentence only when the fitted model finds it nearly as likely (a share fitted on
  train).
- A further sentence is quoted when it is nearly as likely to answer as the best one (a share fitted on train);
  a sentence that opens by referring back ("These skills...") brings the sentence before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.units import AnswerUnit
from qa.evidence import ANAPHORIC_OPENERS, Evidence, ScoredUnit, is_quotable
from qa.model import GuidanceIndex

MAX_CITED = 3  # sections cited for their content
MAX_QUOTES = 3  # sentences quoted (a referring sentence's antecedent comes on top)
MAX_TITLES = 2
CURRENT_SHARE = 0.8  # current guidance is cited before replaced guidance from this share of its probability


@dataclass
class CitedSection:
    section_id: str
    passage: int  # the passage shown for it: the one holding its best unit
    quotes: list[int] = field(default_factory=list)  # unit positions quoted from it, in reading order
    title: int | None = None  # unit position of its title, shown as a title line


@dataclass(frozen=True)
class Selection:
    sections: tuple[CitedSection, ...]  # in citation order

    @property
    def quoted(self) -> bool:
        return any(s.quotes for s in self.sections)


def is_shared_text(unit: AnswerUnit) -> bool:
    return unit.kind == "text" and unit.shared


def is_context_worth_quoting(scored: ScoredUnit, lead: ScoredUnit, context_share: float) -> bool:
    """Shared topic text is context for the sections that share it: it is quoted (beside the substantive lead,
    never instead of it) only when the fitted model finds it nearly as likely as the lead, or more (a share of the
    lead's probability fitted on train, train/fit.py context_share)."""
    return is_shared_text(scored.unit) and scored.probability >= context_share * lead.probability


def select(evidence: Evidence, index: GuidanceIndex, quote_share: float, context_share: float = 1.0,
           current_share: float = CURRENT_SHARE, title_share: float = 0.0) -> Selection:
    """The sections, passages and sentences an answer shows (assumes the question is covered)."""
    lead = evidence.lead
    if lead is None:
        return Selection(())
    floor = quote_share * lead.probability
    cited: dict[str, CitedSection] = {}
    shown: set[str] = set()  # texts already quoted (a PH28 topic paragraph stands in several sections)
    shared = {(s.unit.passage, s.unit.text): s for s in evidence.units if is_shared_text(s.unit)}

    def quote(scored: ScoredUnit) -> None:
        unit = scored.unit
        entry = cited.get(unit.section_id)
        if unit.text in shown or (entry is None and len(cited) >= MAX_CITED):
            return
        entry = entry or cited.setdefault(unit.section_id, CitedSection(unit.section_id, unit.passage))
        if not entry.quotes:
            entry.passage = unit.passage  # the passage shown is the one holding the section's best sentence
        if unit.passage == entry.passage:
            entry.quotes.append(scored.index)
            shown.add(unit.text)

    quote(lead)  # the best substantive sentence always stands
    titles = 0
    for scored in evidence.units:
        if scored.probability < floor or len(shown) >= MAX_QUOTES:
            break
        unit = scored.unit
        entry = cited.get(unit.section_id)
        if unit.kind == "title":
            likely_enough = scored.probability >= title_share * lead.probability
            room = titles < MAX_TITLES and (entry or len(cited) < MAX_CITED) and (entry is None or entry.title is None)
            if likely_enough and room:
                entry = cited.setdefault(unit.section_id, CitedSection(unit.section_id, unit.passage))
                entry.title = scored.index
                titles += 1
        elif is_quotable(unit, index.sections[unit.section_id].kind):
            quote(scored)
        elif is_context_worth_quoting(scored, lead, context_share):
            # the topic text of several sections is quoted under the first cited one that shows it
            quote(next((twin for entry in cited.values() if (twin := shared.get((entry.passage, unit.text)))), scored))
    for entry in cited.values():
        entry.quotes = with_antecedents(entry.quotes, index)
    order = {sid: n for n, sid in enumerate(dict.fromkeys(u.unit.section_id for u in evidence.units))}

    best = {s.unit.section_id: s.probability for s in reversed(evidence.units)}
    ranked = sorted(cited.values(), key=lambda e: order[e.section_id])
    if len(evidence.passage_nearness):  # the nearest passage leads (see the module's docstring)
        nearest = max(ranked, key=lambda e: evidence.passage_nearness[e.passage])
        ranked = [nearest, *(e for e in ranked if e is not nearest)]
    return Selection(tuple(current_first(ranked, best, index, current_share)))


def current_first(ranked: list[CitedSection], best: dict[str, float], index: GuidanceIndex, share: float) -> list[CitedSection]:
    """Current guidance leads: a cited section of current guidance whose best sentence is at least `share` as
    likely as a replaced section's is cited before it (both answer; the replaced one is labelled by the answer's
    currency note)."""
    def superseded(entry: CitedSection) -> bool:
        return index.documents[index.sections[entry.section_id].doc_id].status == "superseded"

    out = list(ranked)
    for entry in ranked:
        if superseded(entry):
            continue
        at = out.index(entry)
        while at > 0 and superseded(out[at - 1]) and best[entry.section_id] >= share * best[out[at - 1].section_id]:
            out[at - 1], out[at] = out[at], out[at - 1]
            at -= 1
    return out


def with_antecedents(quotes: list[int], index) -> list[int]:
    """Quoted units in reading order, each referring one ("These skills...") preceded by the unit before it."""
    units = index.units
    chosen = set(quotes)
    for n in quotes:
        unit = units[n]
        if unit.text.startswith(ANAPHORIC_OPENERS) and unit.position > 0 and n > 0:
            before = units[n - 1]
            if before.passage == unit.passage and before.kind == "text":
                chosen.add(n - 1)
    return sorted(chosen)


__all__ = ["MAX_CITED", "CitedSection", "Selection", "is_context_worth_quoting", "is_shared_text", "select", "with_antecedents"]
