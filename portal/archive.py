"""The check an uploaded .docx or .xlsx (a zip archive) passes before it is parsed.

A zip states each member's size in its directory, and Python's zipfile never inflates a member beyond
what it states, so these sums bound what parsing may take: a 300 KB file that would inflate to
300 MB is refused after reading its directory alone.
"""
import zipfile

# A commune's plan or unit list is a few hundred KB inflated; a plan with photos a few MB.
MAX_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 1000


class TooLarge(ValueError):
    """The archive is damaged or would take too much to read; the message is what the user reads."""


def check(source) -> None:
    """`source`: a path or a binary file. Raises TooLarge."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the parser says so in its own words
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_BYTES:
        raise TooLarge(f"Tệp giải nén ra quá lớn (tối đa {MAX_BYTES // 1024 // 1024} MB, {MAX_MEMBERS} "
                       "thành phần); hãy lưu lại tệp, bỏ bớt ảnh hoặc nội dung thừa, rồi thử lại.")
