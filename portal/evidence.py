"""Evidence: photos and PDFs a unit attaches to its checks (kept by store.py), and who may see them."""
from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from playhouse.flask_utils import get_object_or_404

from . import outbox
from .access import READERS, current_commune, own_task, roles_required
from .db import database
from .forms import Form
from .htmx import render, wants_fragment
from .models import Event, Evidence
from .progress import scorecard
from .store import MAX_BYTES, Rejected, accept, attach, display_name, response

bp = Blueprint("evidence", __name__)


class UploadForm(Form):
    file = FileField("Ảnh hoặc PDF", [FileRequired("Chọn một ảnh hoặc tệp PDF.")])


def _list(unit, task, campaign, status=200, error=None):
    """The task's evidence list for htmx, the whole checklist without it; 303 back after a change."""
    if status == 200 and not wants_fragment():
        return redirect(url_for("checklist.page", _anchor=f"task-{task.id}"), 303)
    ctx = scorecard(unit, campaign)
    return render("checklist/page.html", "evidence/_list.html", status, task=task,
                  upload_errors={task.id: error} if error else {}, **ctx)


@bp.post("/evidence/<int:unit_id>/<int:task_id>")
@roles_required("unit")
def upload(unit_id, task_id):
    unit, task, campaign = own_task(unit_id, task_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _list(unit, task, campaign, 400, form.error_line())
    file = form.file.data
    try:
        accepted = accept(file.stream.read(MAX_BYTES + 1))
    except Rejected as rejected:
        return _list(unit, task, campaign, 400, str(rejected))
    with outbox.once(unit, "evidence") as claim:
        if claim:
            attach(unit, task, campaign, current_user, accepted, display_name(file.filename))
    return _list(unit, task, campaign)


@bp.post("/evidence/<int:evidence_id>/remove")
@roles_required("unit")
def remove(evidence_id):
    evidence = get_object_or_404(Evidence, Evidence.id == evidence_id)
    unit, task, campaign = own_task(evidence.unit_id, evidence.task_id)
    with database.atomic():
        # Conditional, so a repeated request records nothing twice.
        if Evidence.update(removed=True).where(Evidence.id == evidence.id, Evidence.removed == False).execute():  # noqa: E712
            before = evidence.as_dict()
            evidence.removed = True
            Event.record("evidence.remove", current_user, campaign=campaign, unit=unit, subject=task,
                         before=before, after=evidence.as_dict())
    return _list(unit, task, campaign)


def _send(evidence_id, thumb: bool):
    evidence = Evidence.get_or_none(Evidence.id == evidence_id)
    if evidence is None or evidence.removed or (thumb and evidence.kind != "image"):
        abort(404)
    if current_user.role not in READERS and not (current_user.role == "unit" and current_user.unit_id == evidence.unit_id):
        abort(403)
    if current_user.role in READERS and not current_commune().contains(evidence.unit):
        abort(404)  # another commune's
    return response(evidence, thumb, f"minh-chung-{evidence.id}")


@bp.get("/evidence/<int:evidence_id>")
@login_required
def download(evidence_id):
    return _send(evidence_id, thumb=False)


@bp.get("/evidence/<int:evidence_id>/thumb")
@login_required
def thumbnail(evidence_id):
    return _send(evidence_id, thumb=True)


def init_app(app):
    app.register_blueprint(bp)
