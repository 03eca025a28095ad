"""SPEC §3.4 and §3.6: pathway progress over the distinct countable lessons of its courses."""

from learnapp.domain.progress import pathway_progress

from .builders import course, course_of, ids, lesson, lessons, module, module_of, pathway


def test_pathway_counts_shared_module_lessons_once():
    shared = module_of(3)
    p = pathway(course(shared, module_of(1)), course(module_of(2), shared))
    progress = pathway_progress(p, ids(shared.lessons))
    assert progress.counts.total == 3 + 1 + 2
    assert progress.counts.completed == 3


def test_pathway_progress_is_lesson_weighted_not_course_weighted():
    small, big = course_of(1), course_of(9)
    progress = pathway_progress(pathway(small, big), ids(small.lessons))
    assert (progress.counts.completed, progress.counts.total) == (1, 10)
    assert progress.counts.percent == 10
    assert (progress.courses_completed, progress.courses_total) == (1, 2)


def test_pathway_reports_courses_completed_over_courses_total():
    a, b, c = course_of(1), course_of(2), course_of(3)
    progress = pathway_progress(pathway(a, b, c), ids(a.lessons) | ids(c.lessons))
    assert (progress.courses_completed, progress.courses_total) == (2, 3)
    assert [row.course for row in progress.courses] == [a, b, c]
    assert [row.counts.complete for row in progress.courses] == [True, False, True]


def test_pathway_complete_iff_every_course_complete():
    a, b = course_of(2), course_of(1, 1)
    p = pathway(a, b)
    everything = ids(a.lessons) | ids(b.lessons)
    complete = pathway_progress(p, everything)
    assert complete.counts.complete is True
    assert complete.counts.percent == 100
    for missing in everything:
        progress = pathway_progress(p, everything - {missing})
        assert progress.counts.complete is False
        assert progress.counts.percent < 100


def test_pathway_with_no_course_is_never_complete():
    progress = pathway_progress(pathway(), set())
    assert (progress.counts.completed, progress.counts.total, progress.counts.complete) == (0, 0, False)
    assert (progress.courses_completed, progress.courses_total) == (0, 0)
    assert progress.counts.percent == 0


def test_pathway_with_a_course_without_countable_lessons_is_never_complete():
    done_course = course_of(2)
    previews = lessons(1, preview=True)
    p = pathway(done_course, course(module(*previews)))
    progress = pathway_progress(p, ids(done_course.lessons) | ids(previews))
    assert progress.counts.complete is False
    assert progress.courses_completed == 1
    assert progress.counts.percent == 99


def test_preview_lessons_never_count_in_a_pathway():
    preview = lesson(preview=True)
    countable = lesson()
    p = pathway(course(module(preview, countable)))
    assert pathway_progress(p, {preview.id}).counts.completed == 0
    assert pathway_progress(p, set()).counts.total == 1
    assert pathway_progress(p, {countable.id}).counts.complete is True


def test_completion_in_shared_course_counts_in_every_pathway():
    shared = course_of(2)
    first_pathway = pathway(shared, course_of(1))
    second_pathway = pathway(course_of(3), shared)
    done = ids(shared.lessons)
    assert pathway_progress(first_pathway, done).counts.completed == 2
    assert pathway_progress(second_pathway, done).counts.completed == 2
    assert pathway_progress(first_pathway, done).courses_completed == 1
    assert pathway_progress(second_pathway, done).courses_completed == 1


def test_completion_in_module_shared_across_courses_completes_both_courses_of_the_pathway():
    shared = module_of(2)
    p = pathway(course(shared), course(shared))
    progress = pathway_progress(p, ids(shared.lessons))
    assert (progress.counts.completed, progress.counts.total) == (2, 2)
    assert progress.courses_completed == 2
    assert progress.counts.complete is True


def test_unknown_pathway_reads_none():
    # The service maps None to `completed: false, 0 of 0`.
    assert pathway_progress(None, {1, 2}) is None
