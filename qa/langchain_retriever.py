"""The index as a LangChain retriever, so it plugs into LangChain pipelines with citations intact."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from qa.answer import citation_for
from qa.service import Assistant


class LacGuideRetriever(BaseRetriever):
    """Returns one LangChain Document per cited section: the passage as page_content, the citation as metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Assistant
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        retrieval = self.assistant.retrieve(query, top_k=self.k)
        documents = []
        for rank, hit in enumerate(retrieval.hits, start=1):
            citation = citation_for(rank, hit).to_json()
            documents.append(LCDocument(page_content=citation.pop("text"), metadata=citation))
        return documents


__all__ = ["LacGuideRetriever"]
