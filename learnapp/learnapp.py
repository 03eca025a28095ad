"""Reflex entry module: builds the app, mounts the HTTP API and registers the pages."""

import reflex as rx

from learnapp.api.app import create_api
from learnapp.logs import configure_logging
from learnapp.settings import get_settings
from learnapp.ui.catalog import CatalogState, catalog_page

configure_logging(get_settings().log_json)
app = rx.App(api_transformer=create_api())
app.add_page(catalog_page, route="/", title="Catalog · learnapp", on_load=CatalogState.load)
