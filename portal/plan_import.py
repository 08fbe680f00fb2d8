"""Reads a commune's Kế hoạch (plan) and proposes a campaign: title, theme, dates, areas and tasks.

The user reviews the proposal before saving it, so the rules stay few and predictable rather than clever.
"""
import datetime
import os
import re
from pathlib import Path

from . import archive, scoring
from .text import nfc


class PlanImportError(ValueError):
    """A problem the user can fix; the message is shown to them as is."""


NO_AREAS = ("Không tìm thấy nội dung thi đua nào trong văn bản. Văn bản cần có các đoạn "
            "“Một là, …”, “Nội dung 1: …” hoặc các mục “2.1. …”, “a) …” dưới tiêu đề “Nội dung”.")
_TITLE_MAX = 160
_OPENER = re.compile(r"(?:(?:Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười) là|Nội dung \d+)\s*[,:.)–-]?\s*(.*)", re.I)
_DATE = r"(?<![\d/])\d{1,2}(?:/\d{1,2}(?:/\d{4})?| tháng \d{1,2}(?: năm \d{4})?)(?!\d)"
_PERIOD = re.compile(rf"(?:từ )?(?:ngày )?({_DATE}) ?(?:-|–|—|(?:đến|tới)(?: hết)?(?: ngày)?) ?({_DATE})", re.I)
_DUE = re.compile(rf"(?:trước|chậm nhất(?: là)?|hạn(?: chót| cuối)?(?: là)?) ?:? ?(?:ngày )?({_DATE})", re.I)
_DUE_WORDS = ("sơ kết", "tổng kết", "báo cáo", "khen thưởng", "gửi về")
_TARGET = re.compile(r"\d+(?:[.,]\d+)? ?%|\bít nhất\b|\btối thiểu\b|\bkhông để xảy ra\b|\bđúng hạn\b", re.I)


def read_plan(path: str | os.PathLike) -> str:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".md", ".txt"):
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise PlanImportError("Tệp không phải văn bản UTF-8. Hãy lưu lại với bảng mã UTF-8 rồi thử lại.") from None
    if suffix != ".docx":
        raise PlanImportError("Chỉ nhận tệp .docx, .md hoặc .txt")
    import docx  # only .docx needs python-docx; keeps the rest importable without it
    try:
        archive.check(path)
    except archive.TooLarge as e:
        raise PlanImportError(str(e)) from None
    try:
        document = docx.Document(str(path))
    except Exception:  # python-docx raises several unrelated types for a damaged file
        raise PlanImportError("Không đọc được tệp .docx. Tệp có thể bị hỏng hoặc không phải tệp Word.") from None
    return "\n\n".join(_docx_lines(document))  # each Word paragraph stands alone


def _docx_lines(container):
    from docx.table import Table
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            seen = set()  # a merged cell comes back once per grid column it spans
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        yield from _docx_lines(cell)
        else:
            yield block.text


def propose_campaign(text: str) -> dict:
    paras, scale = scoring.scale_section(_paragraphs(text or ""))
    areas = _areas(paras)
    if not areas:
        raise PlanImportError(NO_AREAS)
    starts_on, ends_on = _period(paras)
    year = int((ends_on or starts_on or "0")[:4]) or None
    criteria = scoring.points_from_plan(scale, areas)
    return {"title": _title(paras), "theme": _theme(paras), "starts_on": starts_on, "ends_on": ends_on,
            "report_due_on": _report_due(paras, year), "areas": areas, **({"criteria": criteria} if criteria else {})}


def _clean(line: str) -> str:
    line = re.sub(r"^\s*(?:#+\s*|[-+*•–—]\s+)", "", line)
    line = re.sub(r"\\([\\.\-*#_()\[\]])", r"\1", line).replace("*", "")  # markdown escapes, then emphasis
    return " ".join(line.split())


def _paragraphs(text: str) -> list[str]:
    paras = []
    for raw in nfc(text).splitlines():
        line = _clean(raw)
        # A hard-wrapped line (or one cut by a page break) carries on in lower case. Upper case could
        # equally start the next paragraph of a one-line-per-paragraph .txt, so it never joins.
        if (paras and line[:1].islower() and not paras[-1].endswith(tuple(".:;!?")) and _level(line) is None
                and not re.match(r"\s*(?:#|[-+*•–—]\s)", raw)):
            paras[-1] += " " + line
        elif line:
            paras.append(line)
    return paras


def _level(p: str) -> int | None:
    """Outline depth of a heading line (I. > 1. > 1.1. > 1.1.1. > a)), None for body text."""
    for depth, pattern in enumerate((r"[IVXL]+\.\s", r"\d+\.\s", r"\d+\.\d+\.?\s", r"\d+\.\d+\.\d+\.?\s", r"[a-zđ][).]\s"), 1):
        if re.match(pattern, p):
            return depth
    letters = [c for c in p if c.isalpha()]
    return 1 if len(letters) >= 6 and all(c.isupper() for c in letters) else None


def _title(paras: list[str]) -> str:
    for i, p in enumerate(paras):
        m = re.match(r"kế hoạch\b[:\s]*(.*)", p, re.I)
        # Upper case or alone on its line: "Kế hoạch số 12/KH-UBND…" in the body is a reference, not the heading.
        if m and (p[:8].isupper() or not m.group(1)):
            return (m.group(1) or "".join(paras[i + 1:i + 2])).strip(" .")
    return ""


def _theme(paras: list[str]) -> str:
    for i, p in enumerate(paras):
        if m := re.search(r"chủ đề\s*:\s*(.*)", p, re.I):
            return (m.group(1) or "".join(paras[i + 1:i + 2])).strip(" .“”\"'")
    return ""


def _iso(text: str, year: int | None) -> str | None:
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    try:
        return datetime.date(numbers[2] if len(numbers) > 2 else year, numbers[1], numbers[0]).isoformat()
    except (TypeError, ValueError):
        return None


def _ranges(p: str):
    for m in _PERIOD.finditer(p):
        ends = _iso(m.group(2), None)
        if not ends:
            continue
        start_parts = re.findall(r"\d+", m.group(1))
        year = int(ends[:4]) - (len(start_parts) == 2 and int(start_parts[1]) > int(ends[5:7]))  # "từ 15/12 đến 15/01/2027"
        starts = _iso(m.group(1), year)
        # An anniversary such as "03/02/1930 - 03/02/2026" is not a campaign period.
        if starts and 0 <= (datetime.date.fromisoformat(ends) - datetime.date.fromisoformat(starts)).days <= 366:
            yield starts, ends


def _period(paras: list[str]) -> tuple[str | None, str | None]:
    for i, p in enumerate(paras):
        if re.match(r"(?:[\dIVXL]+[.)]\s*)*thời gian", p, re.I):
            for found in (r for q in paras[i:i + 3] for r in _ranges(q)):
                return found
    return next((r for p in paras for r in _ranges(p)), (None, None))


def _report_due(paras: list[str], year: int | None) -> str | None:
    for p in paras:
        if any(word in p.lower() for word in _DUE_WORDS):
            for m in _DUE.finditer(p):
                if due := _iso(m.group(1), year):
                    return due
    return None


def _areas(paras: list[str]) -> list[dict]:
    openers = [i for i, p in enumerate(paras) if _OPENER.match(p)]
    if openers:
        areas = []
        for i in openers:
            end = next((j for j in range(i + 1, len(paras)) if j in openers or (_level(paras[j]) or 9) <= 2), len(paras))
            areas.append(_area(_OPENER.match(paras[i]).group(1), paras[i + 1:end]))
        return areas
    # Otherwise the sub-sections under a "Nội dung" heading; the innermost such heading wins,
    # since "I. CHỦ ĐỀ, NỘI DUNG, …" often wraps "2. Nội dung thi đua".
    heads = [i for i, p in enumerate(paras) if (_level(p) or 9) <= 3 and "nội dung" in p.lower()]
    for k, h in enumerate(heads):
        depth = _level(paras[h])
        end = next((j for j in range(h + 1, len(paras)) if (_level(paras[j]) or 9) <= depth), len(paras))
        if k + 1 < len(heads) and heads[k + 1] < end:
            continue
        sub = next((_level(paras[j]) for j in range(h + 1, end) if (_level(paras[j]) or 0) > depth), None)
        starts = [j for j in range(h + 1, end) if _level(paras[j]) == sub]
        if starts:
            bounds = zip(starts, starts[1:] + [end])
            return [_area(re.sub(r"^\S+\s+", "", paras[a]), paras[a + 1:b]) for a, b in bounds]
    return []


def _area(head: str, body: list[str]) -> dict:
    first_sentence = _sentences(head)[0]
    if ":" in first_sentence:
        title, _, rest = head.partition(":")
    else:
        title, rest = first_sentence, head[len(first_sentence):]
    body = [re.sub(r"^(?:[a-zđ][).]|\d+(?:\.\d+)*[.)])\s+", "", p) for p in body]  # "a) …" lists inside an area
    clauses = [c for p in [rest, *body] for s in _sentences(p) for c in _clauses(s)]
    # A duty with no measurable phrase of its own is measured by the area's chỉ tiêu.
    # A duty without a measurable phrase of its own gets no target: inventing one misleads the office.
    tasks = [{"title": _shorten(_capitalise(c)), "target": _target(c)} for c in clauses]
    return {"title": _shorten(_capitalise(title.strip(" .,;:"))), "tasks": tasks}


def _sentences(p: str) -> list[str]:
    out = []
    for part in re.split(r"(?<=[.!?])\s+", p.strip()):
        if out and not part[:1].isupper():  # an abbreviation such as "v.v. và …" does not end a sentence
            out[-1] += " " + part
        elif part:
            out.append(part)
    return out or [""]


def _clauses(sentence: str) -> list[str]:
    out = []
    for part in (s.strip(" .;,") for s in sentence.split(";")):
        if out and len(part) < 25:  # too short to be a duty of its own
            out[-1] += "; " + part if part else ""
        elif part:
            out.append(part)
    if len(out) > 1 and len(out[0]) < 25:
        out[0:2] = [out[0] + "; " + out[1]]
    return out


def _target(clause: str) -> str:
    if m := re.match(r"phấn đấu\b[:,]?\s*(.+)", clause, re.I):
        return _capitalise(m.group(1).strip(" .;"))
    m = _TARGET.search(clause)
    # Keep the whole comma-separated phrase around the keyword: "đạt tỷ lệ 100% …", not just "100% …".
    return _capitalise(clause[clause.rfind(",", 0, m.start()) + 1:].strip(" .;")) if m else ""


def _capitalise(s: str) -> str:
    return s[:1].upper() + s[1:]


def _shorten(s: str) -> str:
    return s if len(s) <= _TITLE_MAX else s[:_TITLE_MAX].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
