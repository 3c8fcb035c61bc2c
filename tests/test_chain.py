from assistant.chain import ArkivRetriever
from assistant.retrieve import Filters


def test_langchain_retriever_returns_documents_with_provenance(make_archive, corpus):
    archive = make_archive()
    archive.ingest(corpus)
    retriever = ArkivRetriever(search=archive.retriever(), k=2)
    docs = retriever.invoke("väntetider till psykiatrin")
    assert len(docs) == 2
    assert docs[0].metadata["source"] == "slutrapport vägen framåt.md"
    assert docs[0].metadata["section"] == "systemfel"
    assert docs[0].metadata["insats"] == "Vägen framåt Söderhamn"
    assert "väntetider" in docs[0].page_content
    filtered = ArkivRetriever(search=archive.retriever(), k=5, filters=Filters(kommun="Nordanstig"))
    assert {d.metadata["source"] for d in filtered.invoke("deltagare")} == {"2023/kvartal_vf.txt"}
