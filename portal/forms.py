"""The base form: CSRF from Flask-WTF, and WTForms' own messages in Vietnamese."""
from flask import request
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired

_MESSAGES = {
    "This field is required.": "Trường này là bắt buộc.",
    "Not a valid integer value.": "Phải là một số nguyên.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ.",
    "'%(value)s' is not a valid choice for this field.": "Lựa chọn “%(value)s” không hợp lệ.",
    "'%(value)s' are not valid choices for this field.": "Các lựa chọn “%(value)s” không hợp lệ.",
    "Invalid value, must be one of: %(values)s.": "Giá trị không hợp lệ.",
    "Number must be at least %(min)s.": "Số phải từ %(min)s trở lên.",
    "Number must be between %(min)s and %(max)s.": "Số phải từ %(min)s đến %(max)s.",
    "Field must be at most %(max)d characters long.": "Tối đa %(max)d ký tự.",
    "The CSRF token is missing.": "Thiếu mã bảo vệ biểu mẫu; hãy tải lại trang.",
    "The CSRF token is invalid.": "Mã bảo vệ biểu mẫu không hợp lệ; hãy tải lại trang.",
}


# The largest number a form takes: a database INTEGER holds no more (a bigger one would fail the query).
MAX_INT = 2**31 - 1


class _Vietnamese:
    def gettext(self, message):
        return _MESSAGES.get(message, message)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Vietnamese()

    def error_line(self) -> str:
        """Every field's errors in one line, for a fragment that has room for one message only."""
        return " ".join(e for errors in self.errors.values() for e in errors)


def posted_version(name: str) -> int | None:
    """The version a form was based on, from its hidden field `name`; None when missing or out of range."""
    value = request.form.get(name, type=int)
    return value if value is not None and 0 <= value <= MAX_INT else None


def posted_id(name: str) -> int | None:
    """The row id a form names in its field `name`; None when missing or beyond any row's (a query with it
    would fail)."""
    value = request.form.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_INT else None


def required(message: str) -> list:
    """The validators of a field that must be filled in, with the message the user reads."""
    return [DataRequired(message)]
