"""SPEC §3.2: a module is complete iff it has a countable lesson and all of them are complete."""

from learnapp.domain.progress import module_progress

from .builders import ids, lesson, lessons, module, module_of


def test_empty_module_is_never_complete():
    progress = module_progress(module(), set())
    assert progress.counts.completed == 0
    assert progress.counts.total == 0
    assert progress.counts.complete is False
    assert progress.counts.percent == 0


def test_module_of_only_previews_is_never_complete_even_when_previews_are_marked():
    previews = lessons(3, preview=True)
    progress = module_progress(module(*previews), ids(previews))
    assert progress.counts.total == 0
    assert progress.counts.completed == 0
    assert progress.counts.complete is False
    assert progress.counts.percent == 0


def test_preview_lessons_never_count():
    preview, a, b = lesson(preview=True), lesson(), lesson()
    m = module(preview, a, b)
    assert module_progress(m, set()).counts.total == 2
    assert module_progress(m, {preview.id}).counts.completed == 0
    assert module_progress(m, {preview.id, a.id}).counts.completed == 1


def test_module_is_complete_when_every_countable_lesson_is_complete_and_previews_are_not():
    preview, a, b = lesson(preview=True), lesson(), lesson()
    progress = module_progress(module(a, preview, b), {a.id, b.id})
    assert progress.counts.complete is True
    assert (progress.counts.completed, progress.counts.total) == (2, 2)
    assert progress.counts.percent == 100


def test_module_with_one_countable_lesson_missing_is_incomplete():
    m = module_of(4)
    progress = module_progress(m, ids(m.lessons[:3]))
    assert progress.counts.complete is False
    assert (progress.counts.completed, progress.counts.total) == (3, 4)
    assert progress.counts.percent == 75


def test_module_with_nothing_done_reads_0_of_total():
    progress = module_progress(module_of(3), set())
    assert (progress.counts.completed, progress.counts.total, progress.counts.complete) == (0, 3, False)


def test_completions_outside_the_module_are_ignored():
    m, other = module_of(2), module_of(2)
    progress = module_progress(m, ids(other.lessons) | {m.lessons[0].id, 10**9})
    assert (progress.counts.completed, progress.counts.total, progress.counts.complete) == (1, 2, False)


def test_module_progress_keeps_its_module():
    m = module_of(1)
    assert module_progress(m, set()).module is m
