"""Reflex entry module: builds the app, mounts the HTTP API and registers the pages."""

import reflex as rx

from learnapp.api.app import create_api
from learnapp.api.security_headers import SecurityHeaders
from learnapp.domain import routes
from learnapp.jobs import (
    certificate_worker,
    checkpoint_worker,
    housekeeping_worker,
    mail_worker,
    webhook_worker,
    xapi_worker,
)
from learnapp.logs import configure_logging
from learnapp.services.operations.deployment import refuse_unsafe_start
from learnapp.settings import get_settings
from learnapp.ui.binding import SessionBinding
from learnapp.ui.live.channel import connect_tabs
from learnapp.ui.pages.admin_content import ContentState, content_page
from learnapp.ui.pages.admin_course import NodeStatsState, course_stats_page, pathway_stats_page
from learnapp.ui.pages.admin_deliveries import DeliveriesState, deliveries_page
from learnapp.ui.pages.admin_learner import LearnerAdminState, learner_admin_page
from learnapp.ui.pages.admin_operations import OperationsState, operations_page
from learnapp.ui.pages.admin_overview import OverviewState, overview_page
from learnapp.ui.pages.admin_webhooks import WebhooksState, webhooks_page
from learnapp.ui.pages.auth_pages import AuthFormState, login_page, signup_page
from learnapp.ui.pages.catalog import CatalogState, catalog_page
from learnapp.ui.pages.confirm_email import ConfirmEmailState, confirm_email_page
from learnapp.ui.pages.course import CourseState, course_page
from learnapp.ui.pages.my_learning import MyLearningState, my_learning_page
from learnapp.ui.pages.password_reset import PasswordResetState, forgot_password_page, reset_password_page
from learnapp.ui.pages.pathway import PathwayState, pathway_page
from learnapp.ui.pages.player import PlayerState, player_page
from learnapp.ui.pages.profile import ProfileState, profile_page
from learnapp.ui.pages.verify import VerifyState, verify_page

configure_logging(get_settings().log_json)
refuse_unsafe_start()  # a public origin with demo passwords or an open /metrics: exit with the reasons
# The headers wrap the API with Reflex's app mounted inside it: every page, asset, API answer and 404 gets them.
app = rx.App(api_transformer=[create_api(), SecurityHeaders], stylesheets=["/learnapp.css"])
app.register_lifespan_task(certificate_worker)
app.register_lifespan_task(checkpoint_worker)
app.register_lifespan_task(housekeeping_worker)
app.register_lifespan_task(mail_worker)
app.register_lifespan_task(webhook_worker)
app.register_lifespan_task(xapi_worker)
# Before every event: a tab's state belongs to the session that filled it, not to whoever holds its token.
app.add_middleware(SessionBinding())
connect_tabs(app)
app.add_page(catalog_page, route=routes.HOME, title="Catalog · learnapp", on_load=CatalogState.load)
app.add_page(login_page, route=routes.LOGIN, title="Log in · learnapp", on_load=AuthFormState.load)
app.add_page(signup_page, route=routes.SIGNUP, title="Sign up · learnapp", on_load=AuthFormState.load)
app.add_page(
    forgot_password_page,
    route=routes.FORGOT_PASSWORD,
    title="Forgot password · learnapp",
    on_load=PasswordResetState.load_forgot,
)
app.add_page(
    reset_password_page,
    route=routes.RESET_PASSWORD,
    title="Choose a new password · learnapp",
    on_load=PasswordResetState.load_reset,
)
app.add_page(
    confirm_email_page,
    route=routes.CONFIRM_EMAIL,
    title="Confirm your new email · learnapp",
    on_load=ConfirmEmailState.load,
)
app.add_page(course_page, route=routes.COURSE_PAGE, title="Course · learnapp", on_load=CourseState.load)
app.add_page(player_page, route=routes.LESSON_PAGE, title="Lesson · learnapp", on_load=PlayerState.load)
app.add_page(my_learning_page, route=routes.MY_LEARNING, title="My Learning · learnapp", on_load=MyLearningState.load)
app.add_page(pathway_page, route=routes.PATHWAY_PAGE, title="Pathway · learnapp", on_load=PathwayState.load)
app.add_page(profile_page, route=routes.PROFILE, title="Profile · learnapp", on_load=ProfileState.load)
app.add_page(verify_page, route=routes.VERIFY_PAGE, title="Verify a certificate · learnapp", on_load=VerifyState.load)
app.add_page(overview_page, route=routes.ADMIN, title="learnapp", on_load=OverviewState.load)
app.add_page(course_stats_page, route=routes.ADMIN_COURSE_PAGE, title="learnapp", on_load=NodeStatsState.load_course)
app.add_page(pathway_stats_page, route=routes.ADMIN_PATHWAY_PAGE, title="learnapp", on_load=NodeStatsState.load_pathway)
app.add_page(learner_admin_page, route=routes.ADMIN_LEARNER_PAGE, title="learnapp", on_load=LearnerAdminState.load)
app.add_page(content_page, route=routes.ADMIN_CONTENT, title="learnapp", on_load=ContentState.load)
app.add_page(deliveries_page, route=routes.ADMIN_DELIVERIES, title="learnapp", on_load=DeliveriesState.load)
app.add_page(operations_page, route=routes.ADMIN_OPERATIONS, title="learnapp", on_load=OperationsState.load)
app.add_page(webhooks_page, route=routes.ADMIN_WEBHOOKS, title="learnapp", on_load=WebhooksState.load)
