"""Sổ vàng: every approved award of a person, a collective or a household across campaigns, found by name without
diacritics ("nguyen van a" finds "Nguyễn Văn A"); the hints the proposal form shows as a name is typed."""

from flask import Blueprint, request

from . import spreadsheet
from .access import WATCHERS, current_commune, roles_required
from .htmx import render
from .models import AWARDS, NOMINEE_KINDS, Campaign, Nomination, Publication, fold
from .text import without_marks

bp = Blueprint("lookup", __name__)
HINTS = 5  # what fits under the name field on a phone


def searchable(text: str) -> str:
    """One spelling for every way of typing a name: case, spaces and diacritics (đ as d) set aside."""
    return without_marks(fold(text)).lower()


def awards(commune, query: str) -> list:
    """The commune's approved awards (named in a signed decision) whose nominee's name contains `query`, newest
    first.
    Read whole and filtered here: a commune's golden book is a few thousand rows, and the accents-free
    comparison is the same on both engines."""
    wanted = searchable(query)
    if not wanted:
        return []
    rows = (Nomination.select(Nomination, Campaign, Publication).join(Campaign)
            .join(Publication, on=(Publication.campaign == Campaign.id), attr="publication")
            .where(Campaign.unit == commune, Nomination.awarded == True,  # noqa: E712
                   Publication.approved_at.is_null(False))
            .order_by(Publication.decision_date.desc(), Nomination.id))
    return [n for n in rows if wanted in searchable(n.name)]


def _query() -> str:
    return (request.args.get("q") or request.args.get("name") or "")[:200]


@bp.get("/tra-cuu")
@roles_required(*WATCHERS)
def page():
    query = _query()
    return render("lookup/page.html", "lookup/_results.html", query=query, found=awards(current_commune(), query))


@bp.get("/tra-cuu/goi-y")
@roles_required("unit", *WATCHERS)
def hints():
    """Under the proposal form's name field (htmx): this name's earlier awards, so nobody is proposed twice for
    the same achievement unknowingly."""
    query = _query()
    found = awards(current_commune(), query) if len(searchable(query)) >= 3 else []
    return render("lookup/page.html", "lookup/_hints.html", query=query, found=found[:HINTS], more=len(found) > HINTS)


@bp.get("/tra-cuu.xlsx")
@roles_required(*WATCHERS)
def export_xlsx():
    query = _query()
    rows = ([n.name, NOMINEE_KINDS[n.kind], n.workplace, n.campaign.title, AWARDS[n.award],
             n.campaign.publication.decision_number, n.campaign.publication.decision_date.strftime("%d/%m/%Y")]
            for n in (awards(current_commune(), query) if query else []))
    book = spreadsheet.Book()
    book.sheet("Sổ vàng", ["Họ tên / tên tập thể, hộ", "Đối tượng", "Đơn vị", "Đợt thi đua", "Hình thức",
                           "Số quyết định", "Ngày quyết định"], rows)
    return book.send("so-vang.xlsx")


def init_app(app):
    app.register_blueprint(bp)
