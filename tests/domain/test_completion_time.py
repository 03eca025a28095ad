"""SPEC §3.7: completion time is the latest child completion; first_completed_at never changes."""

from datetime import timedelta

from learnapp.domain.progress import completion_time, course_progress, first_completed_at, pathway_progress

from .builders import T0, course, course_of, ids, lesson, module, module_of, pathway, times_for


def test_completion_time_is_latest_child_completion():
    c = course_of(2, 2)
    # Completed out of order: the third lesson is the last one marked.
    order = [c.lessons[0], c.lessons[3], c.lessons[1], c.lessons[2]]
    times = times_for(order)
    progress = course_progress(c, ids(c.lessons), times)
    assert progress.completed_at == times[c.lessons[2].id]
    assert progress.completed_at == T0 + timedelta(minutes=3)


def test_pathway_completion_time_is_latest_child_completion():
    a, b = course_of(2), course_of(1)
    # Course b is finished first, course a last: a's last lesson completes the pathway.
    times = times_for([*b.lessons, *a.lessons])
    progress = pathway_progress(pathway(a, b), ids(a.lessons) | ids(b.lessons), times)
    assert progress.completed_at == times[a.lessons[1].id]
    assert [row.completed_at for row in progress.courses] == [times[a.lessons[1].id], times[b.lessons[0].id]]


def test_incomplete_node_has_no_completion_time():
    c = course_of(3)
    done = ids(c.lessons[:2])
    assert course_progress(c, done, times_for(c.lessons[:2])).completed_at is None
    assert pathway_progress(pathway(c), done, times_for(c.lessons[:2])).completed_at is None


def test_completion_time_is_none_without_times():
    c = course_of(1)
    assert course_progress(c, ids(c.lessons)).completed_at is None
    assert course_progress(c, ids(c.lessons), {}).completed_at is None


def test_completion_time_ignores_preview_lessons_marked_later():
    preview, countable = lesson(preview=True), lesson()
    c = course(module(countable, preview))
    times = times_for([countable, preview])
    progress = course_progress(c, {countable.id, preview.id}, times)
    assert progress.completed_at == times[countable.id]


def test_completion_time_ignores_lessons_of_other_courses():
    c, other = course_of(1), course_of(1)
    times = times_for([*c.lessons, *other.lessons])
    progress = course_progress(c, ids(c.lessons) | ids(other.lessons), times)
    assert progress.completed_at == times[c.lessons[0].id]


def test_completion_time_of_a_shared_module_counts_in_each_course():
    shared = module_of(1)
    early = module_of(1)
    late = module_of(1)
    a, b = course(early, shared), course(shared, late)
    times = times_for([*early.lessons, *shared.lessons, *late.lessons])
    done = set(times)
    assert course_progress(a, done, times).completed_at == times[shared.lessons[0].id]
    assert course_progress(b, done, times).completed_at == times[late.lessons[0].id]


def test_completion_time_function_takes_latest_of_countable_only():
    times = {1: T0, 2: T0 + timedelta(hours=1), 3: T0 + timedelta(hours=5)}
    assert completion_time({1, 2}, True, times) == T0 + timedelta(hours=1)
    assert completion_time({1, 2}, False, times) is None
    assert completion_time({1, 2}, True, None) is None


def test_first_completed_at_is_set_by_the_first_completion():
    assert first_completed_at(None, None) is None
    assert first_completed_at(None, T0) == T0


def test_first_completed_at_never_changes_once_set():
    later = T0 + timedelta(days=3)
    assert first_completed_at(T0, later) == T0
    # Reopened (completed_at None): the first completion time stays.
    assert first_completed_at(T0, None) == T0
    # Even an earlier recomputed time does not overwrite it.
    assert first_completed_at(T0, T0 - timedelta(days=1)) == T0


def test_node_reopens_when_lesson_unmarked():
    c = course_of(2, 1)
    p = pathway(c)
    times = times_for(c.lessons)
    done = ids(c.lessons)
    completed = course_progress(c, done, times)
    assert completed.counts.complete is True

    unmarked = done - {c.lessons[1].id}
    reopened = course_progress(c, unmarked, {k: v for k, v in times.items() if k in unmarked})
    assert reopened.counts.complete is False
    assert reopened.completed_at is None
    assert reopened.counts.percent == 66
    assert reopened.modules[0].counts.complete is False
    assert pathway_progress(p, unmarked).counts.complete is False
    # The first completion time survives the reopening.
    assert first_completed_at(completed.completed_at, reopened.completed_at) == completed.completed_at


def test_first_completed_at_survives_reopen_and_recompletion():
    c = course_of(2)
    times = times_for(c.lessons)
    first = course_progress(c, ids(c.lessons), times).completed_at
    assert first is not None
    recompleted_times = {**times, c.lessons[0].id: T0 + timedelta(days=10)}
    again = course_progress(c, ids(c.lessons), recompleted_times).completed_at
    assert again == T0 + timedelta(days=10)
    assert first_completed_at(first_completed_at(first, None), again) == first
