"""Every page's routes, gathered from the page modules (one module per screen).

Each handler calls FormsApp methods and renders a template; none holds a rule of its own.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import form_page, mail_page, meeting, reports_page, round_page, scan_page, settings_page, signin, today, upload

MODULES = (signin, today, form_page, round_page, scan_page, meeting, mail_page, reports_page, settings_page, upload)


def routes() -> list[BaseRoute]:
    return [route for module in MODULES for route in module.routes()]
