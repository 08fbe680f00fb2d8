"""Confirmation before what cannot be undone, one way everywhere.

The button that does it carries `data-confirm` with the question: app.js asks it in a dialog and adds
confirmed=1 to the form. Without JavaScript the form arrives without it, and the view answers with a page that
asks the same question and posts the same fields again with confirmed=1."""
from flask import render_template, request

QUESTIONS = {
    "report.submit": "Gửi báo cáo sơ kết tới Phòng Văn hóa – Xã hội? Sau khi gửi, đơn vị không tự sửa được nữa.",
    "publication.open": "Công khai danh sách khen thưởng? Danh sách sẽ hiện trên trang công khai để nhân dân góp ý; "
                        "không rút lại được.",
    "decision.approve": "Phê duyệt quyết định khen thưởng? Sau khi phê duyệt không sửa được.",
    "area.remove": "Bỏ nội dung “{title}” cùng các việc của nó?",
    "task.remove": "Bỏ việc “{title}”?",
    "unit.deactivate": "Ngừng hoạt động đơn vị “{name}”? Các tài khoản của đơn vị sẽ bị khóa.",
    "account.deactivate": "Khóa tài khoản {name}? Người dùng sẽ bị đăng xuất ở mọi nơi.",
    "campaign.close": "Kết thúc đợt thi đua “{title}”? Các đơn vị sẽ không đánh dấu được việc nữa.",
    "claim.file.remove": "Gỡ minh chứng “{name}” khỏi hồ sơ cộng điểm? Muốn dùng lại phải tải tệp lên lần nữa.",
}


def question(key: str, **names) -> str:
    return QUESTIONS[key].format(**names)


def unconfirmed(key: str, back: str, **names):
    """None once the user has said yes; else the page that asks (status 200: nothing went wrong)."""
    if request.form.get("confirmed") == "1":
        return None
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template("confirm.html", question=question(key, **names), fields=fields, back=back)


def init_app(app):
    app.jinja_env.globals["confirm_question"] = question
