"""Reports: the impact report and the governors' report shown in the page (as the report's
own HTML file shows them, charts inside), each as a PDF to download, and the finance
export. Each file is made in a private temporary folder, sent, and the folder removed."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..api import parse_year, year_label
from ..config import academic_year
from ..service.users import Permission, User
from .common import page, render, state
from .sessions import Session

KINDS = {"impact": "The impact report", "governors": "The governors' report"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def routes() -> list[BaseRoute]:
    return [
        Route("/reports", reports, methods=["GET"]),
        Route("/reports/export", export, methods=["GET"]),
        Route("/reports/{kind}", report, methods=["GET"]),
        Route("/reports/{kind}/pdf", report_pdf, methods=["GET"]),
    ]


def _year(request: Request) -> str | None:
    """The academic year asked for (?year=2026-27), None for this one (a UsageError if not a year)."""
    text = (request.query_params.get("year") or "").strip()
    return parse_year(text) if text else None


def _kind(request: Request) -> str:
    kind = str(request.path_params["kind"])
    if kind not in KINDS:
        from ..errors import NotFound

        raise NotFound("There is no such report.", hint="Choose the impact report or the governors' report.")
    return kind


def download(data: bytes, name: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@page(Permission.REPORTS)
async def reports(request: Request, session: Session, user: User) -> Response:
    this_year = year_label(academic_year(state(request).forms.today()))
    return render(request, "reports.html", session=session, user=user, title="Reports", kinds=KINDS,
                  this_year=this_year, may_export=user.may(Permission.EXPORT))


def _made(request: Request, kind: str, year: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="forms-report-") as tmp:
        files = state(request).forms.report_files(kind, Path(tmp), year=year)
        return {"title": files.title, "body": files.body_html, "pdf": files.pdf.read_bytes(), "name": files.pdf.name}


@page(Permission.REPORTS)
async def report(request: Request, session: Session, user: User) -> Response:
    kind, year = _kind(request), _year(request)
    made = await run_in_threadpool(_made, request, kind, year)
    return render(request, "report.html", session=session, user=user, title=made["title"], kind=kind,
                  report_body=made["body"], pdf_name=made["name"], year=year_label(year) if year else "")


@page(Permission.REPORTS)
async def report_pdf(request: Request, session: Session, user: User) -> Response:
    made = await run_in_threadpool(_made, request, _kind(request), _year(request))
    return download(made["pdf"], made["name"], "application/pdf")


def _export(request: Request, year: str | None) -> tuple[bytes, str]:
    name = f"finance-{year_label(year)}.xlsx" if year else "finance-all-years.xlsx"
    with tempfile.TemporaryDirectory(prefix="forms-export-") as tmp:
        out = Path(tmp) / name
        state(request).forms.export(out, year=year)
        return out.read_bytes(), name


@page(Permission.EXPORT)
async def export(request: Request, session: Session, user: User) -> Response:
    data, name = await run_in_threadpool(_export, request, _year(request))
    return download(data, name, XLSX)
