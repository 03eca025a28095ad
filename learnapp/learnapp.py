"""Reflex entry module: builds the app, mounts the HTTP API and registers the pages."""

import reflex as rx

from learnapp.api.app import create_api
from learnapp.ui.catalog import CatalogState, catalog_page

app = rx.App(api_transformer=create_api())
app.add_page(catalog_page, route="/", title="Catalog · learnapp", on_load=CatalogState.load)
