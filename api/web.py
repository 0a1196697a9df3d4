"""The web pages (server-rendered with Jinja2) over the read models."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.errors import http_status
from domain import inputs
from domain.errors import TallyError
from projections.registry import open_projections
from projections.runner import refresh
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from workflows.reminders import reminders

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

CHANNELS = {"info": "政务信息", "publicity": "宣传稿件"}
STATUSES = {"draft": "草稿", "submitted": "待审核", "approved": "已签发", "returned": "已退回",
            "withdrawn": "已撤回"}
CATEGORIES = {"new_measure": "新举措", "important_situation": "重要情况和突出问题",
              "typical_experience": "典型经验", "other": "其他"}


class ReadSide:
    """The write model and the projections, kept current before each page on SQLite."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self.settings = settings
        self.tally = open_tally(settings)
        self.projections = open_projections(settings)
        self._lock = threading.Lock()

    def current(self) -> dict[str, Any]:
        # On SQLite there are no projection workers: catch up in-process, one at a time.
        if self.settings.backend == "sqlite":
            with self._lock:
                for projection in self.projections.values():
                    refresh(self.tally, projection)
        return self.projections


def create_app(settings: DatabaseSettings | None = None) -> FastAPI:
    read_side = ReadSide(settings or DatabaseSettings.from_environment())
    web = FastAPI(title="Tally", version="0.1.0")

    @web.exception_handler(TallyError)
    def refused(request: Request, error: TallyError) -> HTMLResponse:
        """A refused request answers with its status and names the field; nothing was written."""
        return TEMPLATES.TemplateResponse(request, "error.html", {"error": error.as_dict()},
                                          status_code=http_status(error))

    @web.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        """The directory and the latest submissions."""
        catalog = read_side.current()["catalog"].view
        return TEMPLATES.TemplateResponse(
            request,
            "home.html",
            {
                "counts": catalog.counts(),
                "units": catalog.units(),
                "officers": catalog.officers(),
                "submissions": catalog.submissions(limit=100),
                "channels": CHANNELS,
                "statuses": STATUSES,
                "categories": CATEGORIES,
            },
        )

    @web.get("/reminders", response_class=HTMLResponse)
    def reminder_list(request: Request, as_of: str | None = None) -> HTMLResponse:
        """Who to chase (催报): quotas behind, commissions due or overdue, feedback awaited."""
        projections = read_side.current()
        tally = read_side.tally
        day = inputs.day("as_of", as_of) if as_of else tally.today()
        found = reminders(ScoreReports(projections["ledger"].view, tally.zone),
                          projections["boards"].view, day)
        return TEMPLATES.TemplateResponse(
            request, "reminders.html",
            {"day": day.isoformat(), "reminders": [r.as_dict() for r in found]},
        )

    @web.get("/healthz")
    def health() -> dict[str, str]:
        """Liveness check."""
        return {"status": "ok"}

    return web
