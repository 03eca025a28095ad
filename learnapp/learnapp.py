"""Reflex entry module: builds the app, mounts the HTTP API and registers the pages."""

import reflex as rx

from learnapp.api.app import create_api
from learnapp.jobs import certificate_worker
from learnapp.logs import configure_logging
from learnapp.settings import get_settings
from learnapp.ui.catalog import CatalogState, catalog_page
from learnapp.ui.pages.auth_pages import AuthFormState, login_page, signup_page
from learnapp.ui.pages.course import CourseState, course_page
from learnapp.ui.pages.my_learning import MyLearningState, my_learning_page
from learnapp.ui.pages.pathway import PathwayState, pathway_page
from learnapp.ui.pages.player import PlayerState, player_page
from learnapp.ui.pages.profile import ProfileState, profile_page
from learnapp.ui.pages.verify import VerifyState, verify_page

configure_logging(get_settings().log_json)
app = rx.App(api_transformer=create_api(), stylesheets=["/learnapp.css"])
app.register_lifespan_task(certificate_worker)
app.add_page(catalog_page, route="/", title="Catalog · learnapp", on_load=CatalogState.load)
app.add_page(login_page, route="/login", title="Log in · learnapp", on_load=AuthFormState.load)
app.add_page(signup_page, route="/signup", title="Sign up · learnapp", on_load=AuthFormState.load)
app.add_page(course_page, route="/courses/[course]", title="Course · learnapp", on_load=CourseState.load)
app.add_page(
    player_page, route="/courses/[course]/lessons/[lesson]", title="Lesson · learnapp", on_load=PlayerState.load
)
app.add_page(my_learning_page, route="/my-learning", title="My Learning · learnapp", on_load=MyLearningState.load)
app.add_page(pathway_page, route="/pathways/[pathway]", title="Pathway · learnapp", on_load=PathwayState.load)
app.add_page(profile_page, route="/profile", title="Profile · learnapp", on_load=ProfileState.load)
app.add_page(verify_page, route="/verify/[code]", title="Verify a certificate · learnapp", on_load=VerifyState.load)
