"""The office edits a campaign's areas and tasks. Every edit claims the plan's revision once and appends an event;
an area or task units have ticked is archived with their work rather than deleted."""
from flask import Blueprint, flash, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from .access import roles_required
from .confirm import unconfirmed
from .db import database
from .models import Area, Check, Event, Stale, Task
from .plan import AreaForm, TaskForm, back, campaign_or_404, claim, failed, stale

bp = Blueprint("structure", __name__)
bp.register_error_handler(Stale, stale)


def _save(campaign, row, form, fields):
    """Adds or changes an area or a task: the editor again with the form's errors, or, in one transaction, the
    plan's revision claimed, `fields(form)` saved on the row and logged as it was and is."""
    if not form.validate_on_submit():
        return failed(campaign, form)
    name, before = row._meta.table_name, row.as_dict() if row.id else None
    with database.atomic():
        claim(campaign, form)
        for k, v in fields(form).items():
            setattr(row, k, v)
        row.save()
        Event.record(f"{name}.{'update' if before else 'create'}", current_user, campaign=campaign, subject=row,
                     before=before, after=row.as_dict())
    return back(campaign, f"{name}-{row.id}")


def _area_fields(form: AreaForm) -> dict:
    return {"title": form.title.data, "position": form.position.data}


def _area(area_id: int) -> Area:
    area = get_object_or_404(Area, Area.id == area_id, Area.archived == False)  # noqa: E712
    campaign_or_404(area.campaign_id)
    return area


def _task(task_id: int) -> Task:
    task = get_object_or_404(Task, Task.id == task_id, Task.archived == False)  # noqa: E712
    campaign_or_404(task.area.campaign_id)
    return task


def _ticked(tasks) -> bool:
    return Check.select().where(Check.task.in_([t.id for t in tasks])).exists()


@bp.post("/campaigns/<int:campaign_id>/areas")
@roles_required("office")
def add_area(campaign_id):
    campaign = campaign_or_404(campaign_id)
    return _save(campaign, Area(campaign=campaign), AreaForm(prefix="new-area"), _area_fields)


@bp.post("/areas/<int:area_id>")
@roles_required("office")
def update_area(area_id):
    area = _area(area_id)
    return _save(area.campaign, area, AreaForm(prefix=f"area-{area.id}"), _area_fields)


@bp.post("/areas/<int:area_id>/remove")
@roles_required("office")
def remove_area(area_id):
    """Deletes an area nobody has worked on; one whose tasks units have ticked is archived with them."""
    area = _area(area_id)
    if asking := unconfirmed("area.remove", url_for("campaigns.edit", campaign_id=area.campaign_id), title=area.title):
        return asking
    tasks = list(area.tasks)
    with database.atomic():
        claim(area.campaign)
        if _ticked(tasks):
            area.archived = True
            area.save(only=[Area.archived])
            Task.update(archived=True).where(Task.area == area).execute()
            kind = "area.archive"
        else:
            area.delete_instance(recursive=True)
            kind = "area.delete"
        Event.record(kind, current_user, campaign=area.campaign, subject=area,
                     before={"title": area.title, "tasks": len(tasks)})
    flash(f"Đã bỏ nội dung “{area.title}”" + (" (lưu trữ cùng kết quả các đơn vị đã đánh dấu)."
                                              if kind == "area.archive" else "."), "info")
    return back(area.campaign)


@bp.post("/areas/<int:area_id>/tasks")
@roles_required("office")
def add_task(area_id):
    area = _area(area_id)
    return _save(area.campaign, Task(area=area), TaskForm(prefix=f"new-task-{area.id}"), TaskForm.fields)


@bp.post("/tasks/<int:task_id>")
@roles_required("office")
def update_task(task_id):
    task = _task(task_id)
    return _save(task.area.campaign, task, TaskForm(prefix=f"task-{task.id}"), TaskForm.fields)


@bp.post("/tasks/<int:task_id>/remove")
@roles_required("office")
def remove_task(task_id):
    """A task units have ticked is archived, so their work stays on record; an untouched one is deleted."""
    task = _task(task_id)
    if asking := unconfirmed("task.remove", url_for("campaigns.edit", campaign_id=task.area.campaign_id), title=task.title):
        return asking
    with database.atomic():
        claim(task.area.campaign)
        before = task.as_dict()
        if _ticked([task]):
            task.archived = True
            task.save(only=[Task.archived])
            kind = "task.archive"
        else:
            task.delete_instance()
            kind = "task.delete"
        Event.record(kind, current_user, campaign=task.area.campaign, subject=task, before=before)
    flash("Đã bỏ việc “{}”{}".format(task.title, " (lưu trữ cùng kết quả các đơn vị đã đánh dấu)."
                                      if kind == "task.archive" else "."), "info")
    return back(task.area.campaign, f"area-{task.area_id}")


def init_app(app):
    app.register_blueprint(bp)
