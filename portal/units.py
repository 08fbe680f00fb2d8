"""The office's unit tree: create, edit, deactivate, and import units from a spreadsheet."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from .access import commune_unit, current_commune, roles_required
from .confirm import unconfirmed
from .db import database
from .forms import Form, posted_version
from .models import Event, Stale, Unit, User, fold
from .text import clean, clean_name, vn_sort_key
from .unit_import import KINDS, UnitImportError, import_units, unit_code

bp = Blueprint("units", __name__)


class UnitForm(Form):
    name = StringField("Tên đơn vị", [InputRequired("Nhập tên đơn vị."), Length(max=200)], filters=[clean_name])
    kind = SelectField("Loại", choices=[SelectChoice(k, label) for k, label in KINDS.items()])
    parent = SelectField("Đơn vị cấp trên", coerce=int)
    contact = StringField("Người liên hệ", [Length(max=200)], filters=[clean_name])
    phone = StringField("Số điện thoại", [Optional(), Regexp(r"^[0-9 +().-]{6,20}$", message=(
        "Số điện thoại chỉ gồm chữ số, dấu cách và các dấu + - . ( )."))], filters=[clean])


class ImportForm(Form):
    file = FileField("Tệp danh sách đơn vị (.xlsx hoặc .csv)")


def tree(units) -> list[tuple[Unit, int]]:
    """Units in tree order, each with its depth; siblings in Vietnamese alphabetical order."""
    children = {}
    for unit in sorted(units, key=lambda u: vn_sort_key(u.name)):
        children.setdefault(unit.parent_id, []).append(unit)
    ids = {u.id for u in units}
    out = []

    def walk(unit, depth):
        out.append((unit, depth))
        for child in children.get(unit.id, []):
            walk(child, depth + 1)

    for top in (u for u in units if u.parent_id not in ids):
        walk(top, 0)
    return out


def _commune_units():
    """The current commune and every unit under it: all the office's unit pages ever show or touch."""
    return Unit.select().where(Unit.path.startswith(current_commune().path))


def _parent_choices(form: UnitForm, unit: Unit | None):
    """The commune's active units, minus the unit itself and everything under it."""
    units = [u for u in _commune_units().where(Unit.active == True)  # noqa: E712
             if unit is None or not u.path.startswith(unit.path)]
    form.parent.choices = [SelectChoice(u.id, "— " * depth + u.name) for u, depth in tree(units)]
    if unit is not None and unit.id == current_commune().id:
        form.parent.choices = [SelectChoice(0, "(không có: đây là cấp cao nhất)")]


def page_context(import_form=None, problems=None):
    commune = current_commune()
    units = list(_commune_units())
    accounts = {}
    for account in User.select().join(Unit).where(Unit.path.startswith(commune.path), User.role == "unit") \
            .order_by(User.username):
        accounts.setdefault(account.unit_id, []).append(account)
    staff = User.select().where(User.unit == commune, User.role != "unit").order_by(User.role, User.username)
    lacking = sum(1 for u in units if u.active and u.id != commune.id and u.id not in accounts)
    return dict(rows=tree(units), accounts=accounts, staff=staff, lacking=lacking, kinds=KINDS,
                import_form=import_form or ImportForm(), problems=problems or [])


@bp.get("/units")
@roles_required("office")
def page():
    return render_template("units/page.html", **page_context())


def _valid(form: UnitForm, unit: Unit | None) -> bool:
    """The fields, then what they cannot check alone: a unique name, a parent for all but the commune."""
    valid = form.validate_on_submit()
    clash = _commune_units().where(Unit.active == True, Unit.id != (unit.id if unit else 0))  # noqa: E712
    if form.name.data and any(fold(u.name) == fold(form.name.data) for u in clash):
        form.name.errors.append("Đã có đơn vị mang tên này.")
    # A parent that is not among the choices is refused already, and may be beyond any id a query takes.
    if form.parent.data and not form.parent.errors and _commune_units().where(
            Unit.id == form.parent.data).first() is None or (
            not form.parent.data and (unit is None or unit.id != current_commune().id)):
        form.parent.errors.append("Chọn đơn vị cấp trên.")
    return valid and not form.name.errors and not form.parent.errors


def _save(form: UnitForm, unit: Unit | None) -> Unit:
    parent = Unit.get_or_none(Unit.id == form.parent.data)
    fields = dict(name=form.name.data, kind=form.kind.data, contact=form.contact.data or "",
                  phone=form.phone.data or "")
    with database.atomic():
        if unit is None:
            taken = {u.code for u in Unit.select(Unit.code)}
            unit = Unit.add(unit_code(form.name.data, taken), parent=parent, **fields)
            Event.record("unit.create", current_user, unit=unit, subject=unit, after=unit.as_dict())
            return unit
        before = unit.as_dict()
        for name, value in fields.items():
            setattr(unit, name, value)
        unit.save_from(posted_version("version"), *fields)
        if parent is not None and parent.id != unit.parent_id:
            _move(unit, parent)
        Event.record("unit.update", current_user, unit=unit, subject=unit, before=before,
                     after=unit.as_dict())
    return unit


def _move(unit: Unit, parent: Unit):
    old = unit.path
    unit.parent, unit.path = parent, f"{parent.path}{unit.id}/"
    unit.save(only=[Unit.parent, Unit.path])
    for below in Unit.select().where(Unit.path.startswith(old), Unit.id != unit.id):
        below.path = unit.path + below.path[len(old):]
        below.save(only=[Unit.path])


def _form_page(unit: Unit | None):
    form = UnitForm(obj=unit) if request.method == "GET" else UnitForm()
    if request.method == "GET" and unit is None:
        form.parent.data = current_commune().id
    _parent_choices(form, unit)
    if request.method == "POST" and _valid(form, unit):
        saved = _save(form, unit)
        flash(f"Đã lưu đơn vị “{saved.name}”.", "info")
        return redirect(url_for("units.page", _anchor=f"unit-{saved.id}"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("units/form.html", form=form, unit=unit), status


@bp.errorhandler(Stale)
def stale(_):
    """An edit from an older copy of the unit: the unit as saved now, and what the user typed."""
    unit = Unit.get_by_id(request.view_args["unit_id"])
    form = UnitForm()
    _parent_choices(form, unit)
    flash("Đơn vị này vừa được người khác sửa nên chưa lưu thay đổi của bạn. Những gì bạn nhập vẫn còn "
          "dưới đây; bấm “Lưu” lần nữa nếu muốn thay bằng nội dung này.", "error")
    return render_template("units/form.html", form=form, unit=unit), 409


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required("office")
def new():
    return _form_page(None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required("office")
def edit(unit_id):
    return _form_page(commune_unit(unit_id))


@bp.post("/units/<int:unit_id>/active")
@roles_required("office")
def set_active(unit_id):
    """Sets (never toggles) whether a unit takes part; deactivating also closes its accounts."""
    unit = commune_unit(unit_id)
    active = request.form.get("active") == "1"
    if active == unit.active:
        return redirect(url_for("units.page", _anchor=f"unit-{unit.id}"), 303)
    error = None
    if not active and unit.id == current_commune().id:
        error = "Không thể ngừng đơn vị cấp cao nhất."
    elif not active and Unit.select().where(Unit.parent == unit, Unit.active == True).exists():  # noqa: E712
        error = f"“{unit.name}” còn đơn vị trực thuộc đang hoạt động; hãy ngừng các đơn vị đó trước."
    elif active and unit.parent and not unit.parent.active:
        error = f"Đơn vị cấp trên “{unit.parent.name}” đang ngừng; hãy kích hoạt lại đơn vị đó trước."
    if error:
        flash(error, "error")
        return redirect(url_for("units.page", _anchor=f"unit-{unit.id}"), 303)
    if not active and (asking := unconfirmed("unit.deactivate", url_for("units.page", _anchor=f"unit-{unit.id}"),
                                             name=unit.name)):
        return asking
    with database.atomic():
        Event.change("unit.update", current_user, unit, active=active)
        if not active:
            User.update(active=False).where(User.unit == unit).execute()
    flash(f"Đã {'kích hoạt lại' if active else 'ngừng'} đơn vị “{unit.name}”.", "info")
    return redirect(url_for("units.page", _anchor=f"unit-{unit.id}"), 303)


@bp.post("/units/import")
@roles_required("office")
def import_file():
    form = ImportForm()
    upload = request.files.get("file")
    if not upload or not upload.filename:
        form.file.errors = ["Chọn tệp .xlsx hoặc .csv."]
        return render_template("units/page.html", **page_context(form)), 400
    try:
        created = import_units(upload.filename, upload.read(), current_commune(), current_user)
    except UnitImportError as e:
        return render_template("units/page.html", **page_context(form, e.problems)), 400
    flash(f"Đã thêm {len(created)} đơn vị từ tệp “{upload.filename}”.", "info")
    return redirect(url_for("units.page"), 303)


def init_app(app):
    app.register_blueprint(bp)
