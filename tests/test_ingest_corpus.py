"""Structure of the real corpus as ingested: boxes, glossary, 52 PH28 recommendations, roles, cleaning."""

from pathlib import Path

import pytest

from ingest import Corpus, load_corpus

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
QRG_TITLES = {
    1: "Prioritise the needs of looked-after children and young people",
    2: "Commission services for looked-after children and young people",
    3: "Regulate services",
    4: "Inspect services for care leavers",
    5: "Implement care planning, placement and case review regulations and guidance",
    10: "Ensure access to mental health services for unaccompanied asylum-seeking children and young people who are looked after",
    14: "Ensure looked-after children and young people in secure and custodial settings have their care plan or pathway plan reviewed",
    15: "Support sibling placements",
    16: "Assess the needs of babies and young children and ensure access to services",
    39: "Consider developing a national strategy to implement statutory guidance for care provided by family and friends",
    43: "Monitor the quality of education for looked-after children and young people",
    52: "Train independent reviewing officers to support looked-after children and young people in education",
}
ROLES = set((CORPUS.parent / "ingest" / "data" / "ph28_roles.txt").read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(CORPUS)


def by_id(corpus, section_id):
    return next(s for s in corpus.sections if s.section_id == section_id)


def of(corpus, doc_id, kind=None):
    return [s for s in corpus.sections if s.doc_id == doc_id and (kind is None or s.kind == kind)]


def test_real_corpus_loads_without_warnings(corpus):
    assert corpus.warnings == ()
    assert {d.doc_id for d in corpus.documents} == {
        "nice-pathway-2021", "nice-pathway-2020", "ph28-qrg", "ph28-recs", "news-councils-guidance"}
    assert all(len(d.sha256) == 64 for d in corpus.documents)


def test_section_ids_unique_and_orders_follow_document(corpus):
    ids = [s.section_id for s in corpus.sections]
    assert len(ids) == len(set(ids))
    for doc in corpus.documents:
        orders = [s.order for s in of(corpus, doc.doc_id)]
        assert orders == sorted(orders)


def test_pathway_boxes(corpus):
    boxes21 = of(corpus, "nice-pathway-2021", "box") + of(corpus, "nice-pathway-2021", "pointer")
    boxes20 = of(corpus, "nice-pathway-2020", "box") + of(corpus, "nice-pathway-2020", "pointer")
    assert sorted(s.section_id for s in boxes21) == sorted(f"nice-pathway-2021/box-{n}" for n in range(1, 13))
    assert len(boxes20) == 9
    # Boxes that only point elsewhere in the online pathway hold no guidance of their own.
    assert [s.section_id for s in of(corpus, "nice-pathway-2021", "box")] == [
        f"nice-pathway-2021/box-{n}" for n in (2, 3, 9, 10, 11, 12)]
    assert not of(corpus, "nice-pathway-2020", "box")
    assert by_id(corpus, "nice-pathway-2021/box-9").label == "Box 9: Supporting and involving carers"
    assert by_id(corpus, "nice-pathway-2021/box-1").text == "No additional information"
    assert by_id(corpus, "nice-pathway-2020/box-8").text == (
        "See Looked-after babies, children and young people / Educating looked-after children and young people")
    for box in boxes21 + boxes20:
        assert "(#)" not in box.text and "why we made" not in box.text and "Quality standards" not in box.text


def test_box_10_repairs(corpus):
    text = by_id(corpus, "nice-pathway-2021/box-10").text
    assert "provided through transition planning with family support teams." in text
    assert "[See page" not in text and "understanding attachment and loss." in text


def test_quality_statements(corpus):
    qs2 = by_id(corpus, "nice-pathway-2021/qs-2")
    assert qs2.kind == "quality-statement"
    assert qs2.label == "Quality statement 2: Collaborative working between services and professionals"
    assert qs2.text == ("Quality statement 2: Collaborative working between services and professionals. "
                        "Relevant to: Box 2: Safeguarding; Box 9: Supporting and involving carers.")
    assert {s.section_id for s in of(corpus, "nice-pathway-2021", "quality-statement")} == {
        "nice-pathway-2021/qs-1", "nice-pathway-2021/qs-2", "nice-pathway-2021/qs-3"}


def test_glossary(corpus):
    glossary = of(corpus, "nice-pathway-2021", "glossary")
    assert [s.label.removeprefix("Glossary: ") for s in glossary] == [
        "Attachment", "carers", "connected carers", "contextual safeguarding", "foster carers",
        "life story work", "practitioners", "unaccompanied asylum-seeking children", "virtual school"]
    virtual = by_id(corpus, "nice-pathway-2021/glossary-virtual-school")
    assert virtual.text.startswith("virtual school: the virtual school champions")
    assert not virtual.text.endswith(")")
    assert by_id(corpus, "nice-pathway-2021/glossary-attachment").text.startswith("Attachment: A deep and long-lasting")


def test_one_legal_section_from_the_current_pathway(corpus):
    legal = [s for s in corpus.sections if s.kind == "legal" and s.doc_id.startswith("nice-pathway")]
    assert [s.section_id for s in legal] == ["nice-pathway-2021/your-responsibility"]
    assert legal[0].label == "Your responsibility"
    assert "alongside the individual needs, preferences" in legal[0].text
    assert by_id(corpus, "nice-pathway-2021/sources").kind == "about"


def test_qrg_has_all_52_recommendations(corpus):
    recs = of(corpus, "ph28-qrg", "recommendation")
    assert [s.section_id for s in recs] == [f"ph28-qrg/rec-{n}" for n in range(1, 53)]
    for n, rec in enumerate(recs, start=1):
        title = rec.label.removeprefix(f"Recommendation {n}: ")
        assert title and title != rec.label
        assert rec.text.startswith(rec.label + ".")
    for n, title in QRG_TITLES.items():
        assert by_id(corpus, f"ph28-qrg/rec-{n}").label == f"Recommendation {n}: {title}"


def test_qrg_roles(corpus):
    rec15 = by_id(corpus, "ph28-qrg/rec-15")
    assert rec15.roles == ("Placement teams", "Social workers and social work managers")
    assert rec15.roles_note is None
    assert "Who should take action: Placement teams; Social workers and social work managers" in rec15.text
    assert by_id(corpus, "ph28-qrg/rec-6").roles_note
    assert by_id(corpus, "ph28-qrg/rec-5").roles == ("Directors of children’s services",)
    assert "Providers of health services (including child and adolescent mental health services — CAMHS)" in by_id(
        corpus, "ph28-qrg/rec-16").roles
    assert "Commissioners of health services and local authority children’s services" in by_id(
        corpus, "ph28-qrg/rec-2").roles
    for rec in of(corpus, "ph28-qrg", "recommendation"):
        assert rec.roles and set(rec.roles) <= ROLES


def test_qrg_scrambled_paragraphs_are_reordered(corpus):
    assert "build their self-esteem and assertiveness." in by_id(corpus, "ph28-qrg/rec-24").text
    assert "ensure these children and young people are not marginalised." in by_id(corpus, "ph28-qrg/rec-26").text
    assert "which will help promote emotional health and wellbeing." in by_id(corpus, "ph28-qrg/rec-51").text
    assert "Topic: Sibling placements and contact." in by_id(corpus, "ph28-qrg/rec-15").text


def test_qrg_cleaning(corpus):
    qrg = of(corpus, "ph28-qrg")
    labels = {s.label for s in qrg}
    assert "Principles and values" in labels
    principles = by_id(corpus, "ph28-qrg/principles")
    assert principles.references and principles.references[0].startswith("These were based on")
    assert principles.text.count("\n- ") == 8
    for section in qrg:
        for line in section.text.split("\n"):
            assert not line.startswith(("e ", "¢", "\\", "T ")), line
            assert line.strip() not in {"/", ")", "J", "-", "oY"}, line
            assert "for details of the recommendations" not in line
            assert line != "Quick reference guide"
    kinds = [s.kind for s in qrg]
    assert kinds[0] == "intro" and kinds[1] == "principles" and kinds[-2:] == ["about", "legal"]
    assert by_id(corpus, "ph28-qrg/responsibility").label == "Implementation responsibility"


def test_recommendations_page(corpus):
    rec1 = by_id(corpus, "ph28-recs/rec-1")
    assert rec1.label == "Recommendation 1: Prioritise the needs of looked-after children and young people"
    assert rec1.roles == ("Directors of children’s services", "Directors of public health",
                          "Senior staff with responsibility for commissioning and providing health services")
    assert len(rec1.references) == 3 and rec1.references[0].startswith("(2) Department for Children")
    assert "Department for Children, Schools and Families and DH (2009)" not in rec1.text
    assert "(2)." in rec1.text and "Open" not in rec1.text
    lines = rec1.text.split("\n")
    assert len(lines) == len(set(lines))
    assert lines[-1].startswith("- Ensure local authorities reflect")
    assert by_id(corpus, "ph28-recs/rec-2").roles == (
        "Commissioners of health services and local authority children’s services",)
    assert by_id(corpus, "ph28-recs/intro").kind == "intro"


def test_news_report_without_chrome(corpus):
    news = of(corpus, "news-councils-guidance")
    assert [s.section_id for s in news] == ["news-councils-guidance/report"]
    report = news[0]
    assert report.label == "News report: Councils handed new guidance on kids in care"
    lowered = report.text.lower()
    for chrome in ("cookies", "sign in", "browser", "learn more", "have your say", "terms and conditions"):
        assert chrome not in lowered
    assert "\n- Placing children and young people at the heart" in report.text
