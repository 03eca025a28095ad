"""SPEC §3.3 and §3.6: course progress over countable lessons of all its modules."""

from learnapp.domain.progress import course_progress

from .builders import course, course_of, first, ids, lesson, lessons, module, module_of


def test_course_counts_completed_over_total_countable_lessons_of_all_modules():
    c = course_of(2, 3)
    progress = course_progress(c, {c.modules[0].lessons[0].id, c.modules[1].lessons[2].id})
    assert (progress.counts.completed, progress.counts.total) == (2, 5)
    assert progress.counts.complete is False


def test_course_complete_iff_total_positive_and_every_module_complete():
    c = course_of(2, 3)
    everything = ids(c.lessons)
    assert course_progress(c, everything).counts.complete is True
    for missing in c.lessons:
        assert course_progress(c, everything - {missing.id}).counts.complete is False


def test_course_with_no_module_is_never_complete():
    progress = course_progress(course(), set())
    assert (progress.counts.completed, progress.counts.total, progress.counts.complete) == (0, 0, False)
    assert progress.counts.percent == 0
    assert progress.modules == ()


def test_course_of_only_preview_lessons_is_never_complete():
    previews = lessons(2, preview=True)
    progress = course_progress(course(module(*previews)), ids(previews))
    assert (progress.counts.completed, progress.counts.total, progress.counts.complete) == (0, 0, False)
    assert progress.counts.percent == 0


def test_course_with_an_empty_module_is_never_complete():
    # §3.3 "every module is complete" and §3.2 "an empty module is never complete" (the importer
    # rejects such modules, so this is the rule's consequence, not a reachable catalog).
    full = module_of(2)
    c = course(full, module(lesson(preview=True)))
    progress = course_progress(c, ids(c.lessons))
    assert progress.counts.complete is False
    assert (progress.counts.completed, progress.counts.total) == (2, 2)
    assert progress.counts.percent == 99


def test_preview_lessons_never_count_in_a_course():
    preview = lesson(preview=True)
    countable = lessons(2)
    c = course(module(preview, *countable))
    assert course_progress(c, {preview.id}).counts.completed == 0
    assert course_progress(c, set()).counts.total == 2
    assert course_progress(c, ids(countable)).counts.complete is True


def test_course_is_not_complete_when_only_some_modules_are_done():
    # No false positives: finishing every lesson seen so far is not finishing the course.
    c = course_of(2, 2, 2)
    progress = course_progress(c, ids(c.modules[0].lessons) | ids(c.modules[1].lessons))
    assert progress.counts.complete is False
    assert [m.counts.complete for m in progress.modules] == [True, True, False]


def test_course_progress_lists_its_modules_in_order():
    c = course_of(1, 2, 3)
    progress = course_progress(c, set())
    assert [m.module for m in progress.modules] == list(c.modules)
    assert [m.counts.total for m in progress.modules] == [1, 2, 3]


def test_unknown_course_reads_none():
    # The service maps None to `completed: false, 0 of 0`.
    assert course_progress(None, {1, 2, 3}) is None


def test_completion_in_shared_module_counts_in_every_course():
    shared = module_of(2)
    first_course = course(module_of(1), shared)
    second_course = course(shared, module_of(3))
    done = ids(shared.lessons)
    assert course_progress(first_course, done).counts.completed == 2
    assert course_progress(second_course, done).counts.completed == 2
    assert course_progress(first_course, done).modules[1].counts.complete is True
    assert course_progress(second_course, done).modules[0].counts.complete is True


def test_shared_module_completes_every_course_it_finishes():
    shared = module_of(2)
    only_shared = course(shared)
    with_more = course(shared, module_of(1))
    done = ids(shared.lessons)
    assert course_progress(only_shared, done).counts.complete is True
    assert course_progress(with_more, done).counts.complete is False


def test_course_with_199_of_200_reads_99_percent():
    c = course_of(50, 50, 50, 50)
    progress = course_progress(c, first(199, c.lessons))
    assert (progress.counts.completed, progress.counts.total) == (199, 200)
    assert progress.counts.complete is False
    assert progress.counts.percent == 99


def test_course_with_200_of_200_reads_100_percent():
    c = course_of(50, 50, 50, 50)
    progress = course_progress(c, ids(c.lessons))
    assert progress.counts.complete is True
    assert progress.counts.percent == 100


def test_ac_101_2_course_of_10_lessons_with_5_done_reads_50_percent():
    c = course_of(10)
    progress = course_progress(c, first(5, c.lessons))
    assert (progress.counts.completed, progress.counts.total) == (5, 10)
    assert progress.counts.percent == 50
    assert progress.counts.complete is False


def test_ac_101_8_modules_of_3_5_2_lessons_with_5_done_reads_50_percent():
    c = course_of(3, 5, 2)
    progress = course_progress(c, first(5, c.lessons))
    assert (progress.counts.completed, progress.counts.total) == (5, 10)
    assert progress.counts.percent == 50
    assert progress.counts.complete is False
    assert [(m.counts.completed, m.counts.total, m.counts.complete) for m in progress.modules] == [
        (3, 3, True),
        (2, 5, False),
        (0, 2, False),
    ]


def test_course_reopens_when_content_is_added():
    m = module_of(2)
    before = course(m)
    done = ids(m.lessons)
    assert course_progress(before, done).counts.complete is True
    grown = course(module(*m.lessons, lesson()))
    after = course_progress(grown, done)
    assert after.counts.complete is False
    assert (after.counts.completed, after.counts.total, after.counts.percent) == (2, 3, 66)
