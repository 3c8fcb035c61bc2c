from assistant.catalog import Catalog


def _catalog() -> Catalog:
    sources = {"c1": "a.md", "c2": "a.md", "c3": "b.md", "c4": "c.md"}
    sections = {"c1": "ekonomi", "c2": None, "c3": "ekonomi", "c4": "systemfel"}
    return Catalog(1, (), {}, chunk_source=sources, chunk_section=sections)


def test_chunk_ids_by_source_and_section():
    catalog = _catalog()
    assert catalog.chunk_ids(None, None) == {"c1", "c2", "c3", "c4"}
    assert catalog.chunk_ids(["a.md"], None) == {"c1", "c2"}
    assert catalog.chunk_ids(None, ["ekonomi"]) == {"c1", "c3"}
    assert catalog.chunk_ids({"a.md", "c.md"}, ["ekonomi", "systemfel"]) == {"c1", "c4"}
    assert catalog.chunk_ids(["missing.md"], None) == set() and catalog.chunk_ids(None, ["okänd"]) == set()
    assert catalog.chunk_ids([], None) == set()
