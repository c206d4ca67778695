"""A round's page: its applications filtered (by state, school and the check's problems),
the money beside them, forwarding the clean ones at once after a confirmation, and the
Working Party's pack to download (PDF, Word, spreadsheet)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..errors import NotFound
from ..service.users import Permission, User
from ..states import State
from .common import page, render, state
from .sessions import Session

SHOWN = 100  # applications listed at a time


def routes() -> list[BaseRoute]:
    return [
        Route("/rounds/{code}", round_page, methods=["GET"]),
        Route("/rounds/{code}/forward-clean", forward_clean_page, methods=["GET"]),
        Route("/rounds/{code}/forward-clean", forward_clean, methods=["POST"]),
        Route("/rounds/{code}/pack.{kind}", pack_download, methods=["GET"]),
    ]


# The pack's three files: the kind in the address -> (the Pack's field, its media type).
PACK_KINDS = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


# -- a round ----------------------------------------------------------------------------------

@page(Permission.ROUNDS)
async def round_page(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    chosen_state = request.query_params.get("state") or None
    chosen_school = request.query_params.get("school") or None
    if chosen_state not in {s.value for s in State}:
        chosen_state = None
    if chosen_school is not None and forms.config.find_school(chosen_school) is None:
        chosen_school = None
    school = forms.config.find_school(chosen_school) if chosen_school else None
    kinds = forms.problem_kinds()
    chosen_problem = request.query_params.get("problem") or None
    if chosen_problem not in kinds:
        chosen_problem = None
    problems = forms.round_problems(rnd.name)
    among = [ref for ref, found in problems.items() if chosen_problem in found] if chosen_problem else None
    start = _start(request)
    applications = forms.round_applications(rnd.name, state=State(chosen_state) if chosen_state else None,
                                            school=school.name if school else None, among=among,
                                            limit=SHOWN, offset=start)
    return render(request, "round.html", session=session, user=user, title=rnd.name, rnd=rnd,
                  kinds=kinds, chosen_problem=chosen_problem, problems=problems,
                  rs=forms.round_status(rnd.name)[0], applications=applications, start=start, shown=SHOWN,
                  states=[s for s in State if s is not State.ACCEPTED], schools=forms.config.schools,
                  chosen_state=chosen_state, chosen_school=chosen_school, entitlement=forms.school_money(),
                  clean=forms.count_clean(rnd.name) if user.may(Permission.CHECK) else 0)


def _start(request: Request) -> int:
    """Where the page of the list starts (``?from=``, a multiple of SHOWN; else the start)."""
    text = request.query_params.get("from", "0")
    return int(text) // SHOWN * SHOWN if text.isdigit() and len(text) < 7 else 0


@page(Permission.CHECK)
async def forward_clean_page(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    return render(request, "forward_clean.html", session=session, user=user, title=f"Forward the clean ones: {rnd.name}",
                  rnd=rnd, clean=forms.clean_applications(rnd.name))


@page(Permission.CHECK)
async def forward_clean(request: Request, session: Session, user: User) -> Response:
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    references = [str(r) for r in (await request.form()).getlist("reference")]
    done = forms.forward_clean(rnd.name, references, actor=user.name)
    session.flash.append(f"{len(done)} application{'s' if len(done) != 1 else ''} forwarded to the Working Party.")
    return RedirectResponse(f"/rounds/{rnd.code}", status_code=303)


@page(Permission.ROUNDS)
async def pack_download(request: Request, session: Session, user: User) -> Response:
    """One file of the round's pack, made in a private temporary folder that is removed after."""
    forms = state(request).forms
    rnd = forms.config.require_round(request.path_params["code"])
    kind = PACK_KINDS.get(request.path_params["kind"])
    if kind is None:
        raise NotFound("There is no such file in the pack.", hint="The pack is a PDF, a Word file and a spreadsheet.")
    field, media = kind
    with forms.pack_files(rnd.name) as pack:
        path = getattr(pack, field)
        data = path.read_bytes()
    forms.record_pack_download(user, rnd.name, path.name)
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{_file_name(path.name)}"'})


def _file_name(name: str) -> str:
    """The file's name as the pack writes it ("Autumn 2 2026 pack.pdf"), safe in a header."""
    return "".join(c for c in name if c.isalnum() or c in "._- ") or "pack"
