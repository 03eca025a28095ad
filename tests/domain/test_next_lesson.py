"""SPEC §3.10: next lesson (Continue Learning) for a course and across a pathway."""

from learnapp.domain.progress import next_lesson, next_pathway_lesson

from .builders import course, course_of, ids, lesson, lessons, module, module_of, pathway


def test_next_lesson_is_first_incomplete_in_module_then_lesson_order():
    c = course_of(2, 3)
    m1, m2 = c.modules
    assert next_lesson(c, set()) == m1.lessons[0]
    assert next_lesson(c, {m1.lessons[0].id}) == m1.lessons[1]
    assert next_lesson(c, ids(m1.lessons)) == m2.lessons[0]
    # A hole earlier in the order wins over later gaps.
    assert next_lesson(c, ids(c.lessons) - {m1.lessons[1].id, m2.lessons[2].id}) == m1.lessons[1]


def test_next_lesson_follows_module_order_not_lesson_ids():
    late_ids = lessons(2)
    early_ids = lessons(2)
    c = course(module(*early_ids), module(*late_ids))
    assert next_lesson(c, set()) == early_ids[0]
    assert next_lesson(c, ids(early_ids)) == late_ids[0]


def test_next_lesson_skips_previews():
    preview, first_countable, second = lesson(preview=True), lesson(), lesson()
    c = course(module(preview, first_countable), module(lesson(preview=True), second))
    assert next_lesson(c, set()) == first_countable
    assert next_lesson(c, {first_countable.id}) == second


def test_next_lesson_when_all_complete_is_first_lesson_for_review():
    c = course_of(2, 2)
    assert next_lesson(c, ids(c.lessons)) == c.lessons[0]


def test_next_lesson_for_review_is_the_first_lesson_even_a_preview():
    preview, countable = lesson(preview=True), lesson()
    c = course(module(preview, countable))
    assert next_lesson(c, {countable.id}) == preview


def test_next_lesson_of_a_course_without_lessons_is_none():
    assert next_lesson(course(), set()) is None
    assert next_lesson(course(module()), set()) is None


def test_next_lesson_counts_a_shared_module_done_in_another_course():
    shared = module_of(2)
    own = module_of(1)
    c = course(shared, own)
    assert next_lesson(c, ids(shared.lessons)) == own.lessons[0]


def test_next_pathway_lesson_crosses_courses_in_order():
    a, b, c = course_of(2), course_of(1, 1), course_of(1)
    p = pathway(a, b, c)
    assert next_pathway_lesson(p, set()) == (a, a.lessons[0])
    assert next_pathway_lesson(p, ids(a.lessons)) == (b, b.lessons[0])
    assert next_pathway_lesson(p, ids(a.lessons) | ids(b.lessons)) == (c, c.lessons[0])
    # An unfinished earlier course comes first even if later courses are started.
    assert next_pathway_lesson(p, ids(b.lessons) | ids(c.lessons)) == (a, a.lessons[0])


def test_next_pathway_lesson_skips_previews_and_shared_lessons_already_done():
    shared = module_of(1)
    a = course(module(lesson(preview=True)), shared)
    b = course(shared, module(lesson(preview=True)), module_of(1))
    p = pathway(a, b)
    assert next_pathway_lesson(p, set()) == (a, shared.lessons[0])
    assert next_pathway_lesson(p, ids(shared.lessons)) == (b, b.modules[2].lessons[0])


def test_next_pathway_lesson_when_all_complete_is_first_lesson_for_review():
    a, b = course_of(1), course_of(2)
    p = pathway(a, b)
    assert next_pathway_lesson(p, ids(a.lessons) | ids(b.lessons)) == (a, a.lessons[0])


def test_next_pathway_lesson_for_review_skips_courses_without_lessons():
    empty, b = course(), course_of(1)
    assert next_pathway_lesson(pathway(empty, b), ids(b.lessons)) == (b, b.lessons[0])


def test_next_pathway_lesson_of_an_empty_pathway_is_none():
    assert next_pathway_lesson(pathway(), set()) is None
    assert next_pathway_lesson(pathway(course()), set()) is None
