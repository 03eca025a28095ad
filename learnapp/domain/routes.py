"""The site's page addresses: one builder per page, for pages, links, redirects, service messages and tests."""

from __future__ import annotations

from urllib.parse import quote

# Builders join with `+` only, so a page may pass a Reflex string Var (the address is then built in the browser).
HOME = "/"
LOGIN = "/login"
SIGNUP = "/signup"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
CONFIRM_EMAIL = "/confirm-email"
MY_LEARNING = "/my-learning"
PROFILE = "/profile"
ADMIN = "/admin"
ADMIN_CONTENT = "/admin/content"
ADMIN_DELIVERIES = "/admin/deliveries"
ADMIN_OPERATIONS = "/admin/operations"
ADMIN_WEBHOOKS = "/admin/webhooks"


def course(slug: str) -> str:
    return "/courses/" + slug


def lesson(course_slug: str, lesson_slug: str) -> str:
    return "/courses/" + course_slug + "/lessons/" + lesson_slug


def pathway(slug: str) -> str:
    return "/pathways/" + slug


def node(kind: str, slug: str) -> str:
    """A course's or a pathway's page, by kind ("course" or "pathway")."""
    return course(slug) if kind == "course" else pathway(slug)


def admin_node(kind: str, slug: str) -> str:
    """The admin statistics page of a course or a pathway."""
    return "/admin/" + kind + "s/" + slug


def admin_learner(learner_id: int) -> str:
    return f"/admin/learners/{learner_id}"


def verify(code: str) -> str:
    return "/verify/" + code


def login_then(path: str) -> str:
    """The login page, going on to `path` once signed in."""
    return LOGIN + "?next=" + quote(path)


# Page templates as Reflex registers them: the same builders, with the dynamic parts named.
COURSE_PAGE = course("[course]")
LESSON_PAGE = lesson("[course]", "[lesson]")
PATHWAY_PAGE = pathway("[pathway]")
VERIFY_PAGE = verify("[code]")
ADMIN_COURSE_PAGE = admin_node("course", "[course]")
ADMIN_PATHWAY_PAGE = admin_node("pathway", "[pathway]")
ADMIN_LEARNER_PAGE = "/admin/learners/[id]"
