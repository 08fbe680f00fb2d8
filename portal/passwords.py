"""What a password chosen by a person must be: long, not the account's own name, not a common one."""
from importlib import resources

from .text import nfc

MIN_LENGTH = 10
MAX_LENGTH = 128
_COMMON = frozenset(
    line for line in resources.files("portal").joinpath("data/common-passwords.txt").read_text("utf-8").splitlines()
    if line and not line.startswith("#")
)


def _letters(text: str) -> str:
    """The letters alone, so that "Ban-Na-Bo-2026" reads as the username "ban-na-bo"."""
    return "".join(c for c in nfc(text).casefold() if c.isalpha())


def problem(password: str, username: str, unit_code: str = "") -> str | None:
    """Why `password` may not be chosen for the account `username` (of the unit `unit_code`), in
    Vietnamese; None when it may."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự."
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu dài quá {MAX_LENGTH} ký tự."
    letters = _letters(password)
    if letters and letters == _letters(username):
        return "Mật khẩu không được dựa trên tên đăng nhập; người khác dễ đoán ra."
    if letters and unit_code and letters == _letters(unit_code):
        return "Mật khẩu không được dựa trên mã đơn vị; người khác dễ đoán ra."
    if nfc(password).casefold() in _COMMON:
        return "Mật khẩu này nằm trong danh sách mật khẩu hay bị dùng, dễ bị dò ra; hãy chọn mật khẩu khác."
    return None
