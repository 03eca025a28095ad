"""SPEC §2 and §3.6: the catalog's look-ups and reverse indexes (reusable modules, shared courses)."""

from learnapp.domain.content import Catalog

from .builders import course, course_of, lesson, module, module_of, pathway


def test_catalog_finds_courses_and_pathways_by_slug_and_by_id():
    c = course_of(1)
    p = pathway(c)
    catalog = Catalog(courses=(c,), pathways=(p,))
    assert catalog.course(c.slug) is c
    assert catalog.course(c.id) is c
    assert catalog.pathway(p.slug) is p
    assert catalog.pathway(p.id) is p


def test_unknown_course_or_pathway_in_catalog_reads_none():
    catalog = Catalog(courses=(course_of(1),))
    assert catalog.course("no-such-course") is None
    assert catalog.course(-1) is None
    assert catalog.pathway("no-such-pathway") is None
    assert Catalog().course("anything") is None


def test_catalog_finds_a_lesson_with_its_module_by_id_and_slug():
    target = lesson()
    m = module(lesson(preview=True), target)
    catalog = Catalog(courses=(course(m),))
    assert catalog.lesson(target.id) == (target, m)
    assert catalog.lesson(target.slug) == (target, m)
    assert catalog.lesson(-1) is None


def test_catalog_lists_every_course_containing_a_shared_module():
    shared = module_of(1)
    a, b, other = course(shared), course(module_of(1), shared), course_of(2)
    catalog = Catalog(courses=(a, b, other))
    assert catalog.courses_containing(shared.id) == (a, b)
    assert catalog.courses_containing(other.modules[0].id) == (other,)
    assert catalog.courses_containing(-1) == ()


def test_catalog_lists_every_pathway_containing_a_course():
    shared, alone = course_of(1), course_of(1)
    p1, p2 = pathway(shared), pathway(course_of(1), shared)
    catalog = Catalog(courses=(shared, alone), pathways=(p1, p2))
    assert catalog.pathways_containing(shared.id) == (p1, p2)
    assert catalog.pathways_containing(alone.id) == ()


def test_catalog_lesson_of_a_shared_module_is_found_once():
    shared = module_of(2)
    catalog = Catalog(courses=(course(shared), course(shared)))
    assert catalog.lesson(shared.lessons[1].id) == (shared.lessons[1], shared)
