"""The content-addressed file store: photos and PDFs checked by their bytes, images re-encoded without metadata,
each kept once under EVIDENCE_DIR by its sha256 (checks' evidence and proposals' attachments alike)."""
import hashlib
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from peewee import IntegrityError
from PIL import Image, ImageOps, UnidentifiedImageError

from .db import database
from .models import ClaimEvidence, Event, Evidence
from .text import nfc

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1280
FORMATS = ("JPEG", "PNG", "WEBP")
# Pillow warns above this many pixels and refuses twice as many; we refuse both (phone photos are 12–50 MP).
Image.MAX_IMAGE_PIXELS = 50_000_000
# A JPEG decodes at 1/2 to 1/8 of its size (draft below); a PNG or WebP only in full, at 4 bytes a pixel and
# copied twice more on the way (a 49-MP PNG took 400 MB of a worker), so fewer of their pixels are read.
MAX_FULL_PIXELS = 12_000_000
TOO_MANY_PIXELS = "Ảnh có quá nhiều điểm ảnh; hãy chụp lại ở độ phân giải thấp hơn hoặc gửi ảnh JPG."
WRONG_TYPE = "Chỉ nhận ảnh (JPG, PNG, WebP) hoặc tệp PDF."


class Rejected(ValueError):
    """An upload we refuse; the message is what the user reads."""


@dataclass
class Upload:
    kind: str
    body: bytes
    thumb: bytes | None = None
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif= and no icc_profile=: the re-encoded file carries no metadata (GPS, phone model).
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: a transparent PNG would otherwise turn black in JPEG."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _image(data: bytes) -> Upload:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                if image.format != "JPEG" and image.width * image.height > MAX_FULL_PIXELS:
                    raise Rejected(TOO_MANY_PIXELS)  # told by the header, before a pixel is decoded
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG decodes at a fraction of full size: less memory
                picture = _flatten(ImageOps.exif_transpose(image))
        except Rejected:
            raise
        except UnidentifiedImageError:
            raise Rejected(WRONG_TYPE) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Rejected(TOO_MANY_PIXELS) from None
        except Exception:  # noqa: BLE001 - any decoder failure on these bytes means a damaged file
            raise Rejected("Tệp ảnh bị hỏng hoặc không đọc được; hãy chụp hoặc chọn lại.") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
    thumb = picture.copy()
    thumb.thumbnail((Evidence.THUMB, Evidence.THUMB), Image.LANCZOS)
    return Upload("image", _jpeg(picture, 75), _jpeg(thumb, 70), *picture.size)


def accept(data: bytes) -> Upload:
    """Checks the bytes, not the name: a PDF is kept as is, an image is re-encoded, anything else refused."""
    if not data:
        raise Rejected("Tệp rỗng; hãy chọn lại.")
    if len(data) > MAX_BYTES:
        raise Rejected("Tệp quá lớn: tối đa 10 MB.")
    if data.startswith(b"%PDF-"):
        return Upload("pdf", data)
    return _image(data)


def display_name(filename: str | None) -> str:
    """The phone's file name, for people to read: no folders, no control characters, not too long."""
    name = re.split(r"[/\\]", nfc(filename or ""))[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[-120:]


def served_name(name: str, kind: str, stem: str) -> str:
    """The name a kept file is downloaded under: a PDF keeps the phone's name, a photo (re-encoded) is
    `stem`; the extension is always the real type, so "x.jpg" holding a PDF comes back as "x.jpg.pdf"."""
    if kind != "pdf":
        return f"{stem}.jpg"
    name = display_name(name) or stem
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def path(sha256: str, suffix: str) -> Path:
    return Path(current_app.config["EVIDENCE_DIR"]) / sha256[:2] / f"{sha256}{suffix}"


def suffixes(kind: str) -> tuple[str, str]:
    return (".pdf", "") if kind == "pdf" else (".jpg", ".thumb.jpg")


def _write(path: Path, body: bytes) -> None:
    """Written once: the same content always lands at the same name, so an existing file is kept."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
        tmp.write(body)
    os.replace(tmp.name, path)


def keep(upload: Upload) -> None:
    """Writes the file and its thumbnail by content hash (nominations keep their attachments here too)."""
    main, thumb = suffixes(upload.kind)
    _write(path(upload.sha256, main), upload.body)
    if upload.thumb:
        _write(path(upload.sha256, thumb), upload.thumb)


def kept(sha256: str, kind: str) -> Path:
    """Where `keep` put the file."""
    return path(sha256, suffixes(kind)[0])


def attach(unit, task, campaign, user, upload: Upload, name: str) -> Evidence:
    """Stores the file, then records the row and its event in one transaction.

    A file left behind by a failed transaction is harmless: it is found by its hash next time.
    """
    sha = upload.sha256
    keep(upload)
    with database.atomic():
        same = Evidence.get_or_none(Evidence.unit == unit, Evidence.task == task, Evidence.sha256 == sha,
                                    Evidence.removed == False)  # noqa: E712
        if same:  # a retried upload on a flaky link adds nothing
            return same
        evidence = Evidence.create(unit=unit, task=task, kind=upload.kind, sha256=sha, size=len(upload.body),
                                   width=upload.width, height=upload.height, name=name, uploaded_by=user)
        Event.record("evidence.add", user, campaign=campaign, unit=unit, subject=task,
                     after=evidence.as_dict())
        return evidence


def attach_to_claim(unit, criterion, user, upload: Upload, name: str) -> ClaimEvidence:
    """Stores the file of a unit's bonus claim, then its row and event in one transaction; the unique key on the
    claim and the file's hash makes a retried upload add nothing."""
    keep(upload)
    with database.atomic():
        try:
            with database.atomic():  # a savepoint: PostgreSQL's transaction goes on after the duplicate
                row = ClaimEvidence.create(criterion=criterion, unit=unit, kind=upload.kind, sha256=upload.sha256,
                                           size=len(upload.body), width=upload.width, height=upload.height,
                                           name=name, uploaded_by=user)
        except IntegrityError:
            return ClaimEvidence.get(ClaimEvidence.criterion == criterion, ClaimEvidence.unit == unit,
                                     ClaimEvidence.sha256 == upload.sha256)
        Event.record("claim.file", user, campaign=criterion.campaign_id, unit=unit, subject=f"criterion:{criterion.id}",
                     after=row.as_dict())
        return row


YEAR = 31536000


def response(row, thumb: bool, stem: str):
    """A kept file (a check's evidence or a claim's) as sent to those allowed to see it."""
    main, small = suffixes(row.kind)
    pdf = row.kind == "pdf"
    sent = send_file(path(row.sha256, small if thumb else main), mimetype="application/pdf" if pdf else "image/jpeg",
                     as_attachment=pdf, download_name=served_name(row.name, row.kind, stem), max_age=YEAR,
                     conditional=True)
    # The file behind an id never changes, but only signed-in people may keep it.
    sent.cache_control.public = False
    sent.cache_control.private = True
    sent.cache_control.immutable = True
    sent.headers["X-Content-Type-Options"] = "nosniff"
    sent.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return sent
