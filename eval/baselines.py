"""The recipe a user would otherwise copy, scored in the same run as the product.

- `langchain-faiss`: LangChain RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the raw
  corpus files, the project's embedding model (offline, through a tiny LangChain `Embeddings` wrapper around
  `index.Embedder`), LangChain's FAISS vector store, top 4 chunks.
- `bm25`: the same chunks ranked by bm25s alone, top 4.

Both get the question only (the plain recipe has no conversation handling) and never refuse.

A baseline citation is a chunk of raw text, so it is mapped to sections by `chunk_sections` (see there).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings

TOP_K = 4
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
# A "substantial contiguous piece" of a section: this many consecutive normalised words.
ANCHOR_WORDS = 12
_WORD = re.compile(r"[a-z0-9]+")
# A recommendation's own heading as printed: "Recommendation 15: Support ..." (QRG) or "Recommendation 1 Prioritise ..."
# (recommendations page). Lower-case cross-references ("see recommendation 24") do not count.
_REC_HEADING = re.compile(r"\bRecommendation (\d+)(?::|\s+[A-Z])")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


class SectionMatcher:
    """Decides which sections a raw-text chunk contains. A chunk from document D contains section S of D when:

    1. S has fewer than ANCHOR_WORDS words and all of them appear, in order and contiguous, in the chunk; or
    2. the chunk shares a run of ANCHOR_WORDS consecutive words with S that no other section of D has
       (text shared by several sections, such as a QRG topic paragraph, identifies none of them); or
    3. S is recommendation N and the chunk holds its printed heading "Recommendation N" (the QRG prints only
       a title per recommendation, broken across OCR columns, so the heading is the section's own text).

    Words are lower-cased alphanumeric runs, so whitespace, punctuation, bullets and markdown do not matter.
    """

    def __init__(self, sections: Sequence):
        self.by_doc: dict[str, list] = {}
        for s in sections:
            self.by_doc.setdefault(s.doc_id, []).append(s)
        self.words = {s.section_id: words(s.text) for s in sections}
        self.unique: dict[str, set[tuple[str, ...]]] = {}
        for doc_sections in self.by_doc.values():
            grams = {s.section_id: _ngrams(self.words[s.section_id], ANCHOR_WORDS) for s in doc_sections}
            counts = Counter(g for gs in grams.values() for g in gs)
            for section_id, gs in grams.items():
                self.unique[section_id] = {g for g in gs if counts[g] == 1}

    def sections_in(self, chunk_text: str, doc_id: str) -> list[str]:
        tokens = words(chunk_text)
        chunk_grams = _ngrams(tokens, ANCHOR_WORDS)
        joined = " " + " ".join(tokens) + " "
        headings = {int(n) for n in _REC_HEADING.findall(" ".join(chunk_text.split()))}
        found = []
        for s in self.by_doc.get(doc_id, []):
            w = self.words[s.section_id]
            if not w:
                continue
            if len(w) < ANCHOR_WORDS:
                hit = f" {' '.join(w)} " in joined
            else:
                hit = bool(self.unique[s.section_id] & chunk_grams)
            match = re.fullmatch(r".*/rec-(\d+)", s.section_id)
            if not hit and match and int(match.group(1)) in headings:
                hit = True
            if hit:
                found.append(s.section_id)
        return found


class EmbedderEmbeddings(Embeddings):
    """LangChain `Embeddings` over the project's offline `index.Embedder` (same model, normalised vectors)."""

    def __init__(self, embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


def raw_documents(corpus_dir: Path) -> list[LCDocument]:
    """The corpus files as they are on disk, one LangChain Document each, tagged with the manifest's doc id."""
    manifest = tomllib.loads((corpus_dir / "manifest.toml").read_text(encoding="utf-8"))
    ids = {entry["file"]: entry["id"] for entry in manifest.get("document", [])}
    docs = []
    for path in sorted(corpus_dir.glob("*.txt")):
        docs.append(LCDocument(page_content=path.read_text(encoding="utf-8"),
                               metadata={"source": path.name, "doc_id": ids.get(path.name, path.stem)}))
    return docs


def split_chunks(corpus_dir: Path) -> list[LCDocument]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.split_documents(raw_documents(corpus_dir))
    for n, chunk in enumerate(chunks):
        chunk.metadata["chunk"] = n
    return chunks


class _Baseline:
    name = "baseline"

    def __init__(self, chunks: list[LCDocument], matcher: SectionMatcher):
        self.chunks = chunks
        self.covers = [matcher.sections_in(c.page_content, c.metadata["doc_id"]) for c in chunks]

    def _answer(self, question: str, ranked: list[tuple[int, float]]) -> dict:
        citations = []
        for rank, (i, score) in enumerate(ranked[:TOP_K], start=1):
            chunk = self.chunks[i]
            citations.append({
                "rank": rank, "doc_id": chunk.metadata["doc_id"], "section_id": None,
                "covers": list(self.covers[i]), "text": chunk.page_content, "score": round(float(score), 4),
            })
        return {"question": question, "answer": "", "refused": False, "citations": citations, "nearest_topics": []}


class LangChainFaissBaseline(_Baseline):
    name = "langchain-faiss"

    def __init__(self, chunks, matcher, embedder):
        super().__init__(chunks, matcher)
        from langchain_community.vectorstores import FAISS

        self.store = FAISS.from_documents(chunks, EmbedderEmbeddings(embedder))

    def __call__(self, question: str, history: Sequence[str] = ()) -> dict:
        found = self.store.similarity_search_with_score(question, k=TOP_K)
        return self._answer(question, [(doc.metadata["chunk"], score) for doc, score in found])


class BM25Baseline(_Baseline):
    name = "bm25"

    def __init__(self, chunks, matcher):
        super().__init__(chunks, matcher)
        from index.lexical import LexicalIndex

        # The product's own BM25 (bm25s, same tokeniser) over the recipe's chunks: only the chunking differs.
        self.lexical = LexicalIndex.build([c.page_content for c in chunks])

    def __call__(self, question: str, history: Sequence[str] = ()) -> dict:
        scores = self.lexical.scores(question)
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        return self._answer(question, [(i, float(scores[i])) for i in order[:TOP_K]])


def build_baselines(corpus_dir: Path, embedder, sections: Sequence) -> list:
    chunks = split_chunks(corpus_dir)
    matcher = SectionMatcher(sections)
    return [LangChainFaissBaseline(chunks, matcher, embedder), BM25Baseline(chunks, matcher)]


__all__ = ["ANCHOR_WORDS", "BM25Baseline", "EmbedderEmbeddings", "LangChainFaissBaseline", "SectionMatcher",
           "build_baselines", "split_chunks", "words"]
