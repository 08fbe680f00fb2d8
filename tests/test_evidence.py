"""Evidence: a village head attaches photos and PDFs to a task; the office sees them, other units do not."""
import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from portal.models import Event, Evidence, Task

from conftest import soup
from flows import photo, upload


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return tmp_path / "evidence"


def phone_photo_with_location() -> bytes:
    """Landscape pixels that the phone marks "turn 90°", with GPS coordinates of the village."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Model] = "Redmi 9A"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (22.0, 30.0, 15.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (103.0, 25.0, 40.0)
    return photo(exif=exif, quality=95)


def shown(actor, task, path="/checklist"):
    return soup(actor.client.get(path)).select_one(f"#evidence-{task.id}")


def stored_files(evidence_dir):
    return sorted(p.name for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.exists() else []


def test_a_phone_photo_is_shrunk_turned_upright_and_stripped_of_its_location(actor, village, evidence_dir):
    unit, task = village
    actor.login("ban-na-bo")
    original = phone_photo_with_location()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = upload(actor, unit, task, original)
    assert response.status_code == 303 and response.headers["Location"] == f"/checklist#task-{task.id}"

    img = shown(actor, task).select_one(".thumbs img")
    assert img["loading"] == "lazy" and (img["width"], img["height"]) == ("180", "240")
    thumb = actor.client.get(img["src"])
    assert Image.open(io.BytesIO(thumb.data)).size == (180, 240)

    full = actor.client.get(shown(actor, task).select_one(".thumbs a")["href"])
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(full.data))
    assert stored.format == "JPEG" and stored.size == (960, 1280)  # upright and at most 1280 px
    assert not stored.getexif() and "exif" not in stored.info
    assert len(full.data) < 150_000 < len(original)

    evidence = Evidence.get()
    assert (evidence.unit_id, evidence.task_id, evidence.kind, evidence.name) == (unit.id, task.id, "image", "IMG_0001.jpg")
    assert (evidence.width, evidence.height, evidence.size) == (960, 1280, len(full.data))
    event = Event.get(Event.kind == "evidence.add")
    assert (event.unit_id, event.subject, event.user.username) == (unit.id, f"task:{task.id}", "ban-na-bo")
    assert stored_files(evidence_dir) == sorted([f"{evidence.sha256}.jpg", f"{evidence.sha256}.thumb.jpg"])


def test_a_transparent_png_gets_a_white_background(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 200, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    assert upload(actor, unit, task, out.getvalue(), name="so-do.png", mimetype="image/png").status_code == 303
    stored = Image.open(io.BytesIO(actor.client.get(f"/evidence/{Evidence.get().id}").data))
    assert stored.mode == "RGB" and stored.size == (400, 200)
    r, g, b = stored.getpixel((300, 100))
    assert min(r, g, b) > 245  # white where the PNG was transparent, not black
    assert stored.getpixel((100, 100))[0] > 180


def assert_refused(response, task, message):
    assert response.status_code == 400
    box = soup(response).select_one(f"#evidence-{task.id}")
    error = box.select_one(".field-error")
    assert message in error.text
    assert box.select_one("input[type=file]")["aria-describedby"] == error["id"]
    assert not Evidence.select().exists() and not Event.select().where(Event.kind == "evidence.add").exists()


def test_a_text_file_named_jpg_is_refused_with_a_clear_message(actor, village, evidence_dir):
    unit, task = village
    actor.login("ban-na-bo")
    response = upload(actor, unit, task, b"<html><script>alert(1)</script></html>", name="anh.jpg")
    assert_refused(response, task, "Chỉ nhận ảnh (JPG, PNG, WebP) hoặc tệp PDF.")
    assert soup(response).h1.text == "Bản Nà Bỏ"  # without JavaScript the whole checklist comes back
    assert stored_files(evidence_dir) == []


def test_with_htmx_a_refused_file_returns_only_the_evidence_box(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    response = upload(actor, unit, task, b"", name="trong.jpg", htmx=True)
    assert soup(response).select_one("h1") is None and "HX-Request" in response.headers["Vary"]
    assert_refused(response, task, "Tệp rỗng; hãy chọn lại.")


def test_a_damaged_photo_is_refused(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    assert_refused(upload(actor, unit, task, photo()[:3000]), task, "Tệp ảnh bị hỏng")


def huge_png(width=100_000, height=100_000) -> bytes:
    """A tiny file whose header claims ten billion pixels: decoding it would exhaust the server's memory."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("size", [(100_000, 100_000), (8000, 8000)])
def test_a_decompression_bomb_is_refused(actor, village, size):
    unit, task = village
    actor.login("ban-na-bo")
    response = upload(actor, unit, task, huge_png(*size), name="bom.png", mimetype="image/png")
    assert_refused(response, task, "Ảnh có quá nhiều điểm ảnh")


def test_a_pdf_is_kept_as_it_is_and_downloaded_as_an_attachment(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert upload(actor, unit, task, pdf, name="Biên bản họp bản.pdf", mimetype="application/pdf").status_code == 303
    link = shown(actor, task).select_one(".thumbs a")
    assert link.select_one(".pdf").text == "PDF" and "Biên bản họp bản.pdf" in link.text
    response = actor.client.get(link["href"])
    assert response.data == pdf and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n" in response.headers["Content-Disposition"]
    assert actor.client.get(f"/evidence/{Evidence.get().id}/thumb").status_code == 404


def test_a_file_over_ten_megabytes_gets_a_clear_413(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    response = upload(actor, unit, task, b"%PDF-" + b"0" * (12 * 1024 * 1024), name="lon.pdf")
    assert response.status_code == 413
    assert "tối đa 10 MB" in soup(response).select_one("main").text
    assert not Evidence.select().exists()


def test_a_file_just_over_the_limit_is_refused_beside_the_field(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    response = upload(actor, unit, task, b"%PDF-" + b"0" * (10 * 1024 * 1024), name="lon.pdf")
    assert_refused(response, task, "Tệp quá lớn: tối đa 10 MB.")


def test_the_file_name_is_never_a_path(actor, village, evidence_dir, tmp_path):
    unit, task = village
    actor.login("ban-na-bo")
    assert upload(actor, unit, task, photo((50, 50)), name="../../etc/passwd.jpg").status_code == 303
    evidence = Evidence.get()
    assert evidence.name == "passwd.jpg"
    assert not (tmp_path / "etc").exists()
    assert all(p.name.startswith(evidence.sha256) for p in evidence_dir.rglob("*") if p.is_file())


def test_the_same_photo_sent_twice_is_stored_once(actor, village, evidence_dir):
    unit, task = village
    actor.login("ban-na-bo")
    data = photo((800, 600))
    upload(actor, unit, task, data)
    upload(actor, unit, task, data, name="lan-hai.jpg")  # a retry on a flaky link
    assert Evidence.select().count() == 1
    assert Event.select().where(Event.kind == "evidence.add").count() == 1
    assert len(stored_files(evidence_dir)) == 2  # the photo and its thumbnail
    assert len(shown(actor, task).select(".thumbs li")) == 1


def test_with_htmx_an_upload_returns_the_evidence_box_with_the_new_thumbnail(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    response = upload(actor, unit, task, photo((300, 300)), htmx=True)
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("h1") is None
    assert page.select_one(f"#evidence-{task.id} .thumbs img")["src"] == f"/evidence/{Evidence.get().id}/thumb"


def test_evidence_is_served_privately_with_safe_headers(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    upload(actor, unit, task, photo((300, 300)))
    response = actor.client.get(f"/evidence/{Evidence.get().id}")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline;")
    cache = response.cache_control
    assert cache.private and not cache.public and cache.immutable and cache.max_age == 31536000


def someones_photo(client, actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    upload(actor, unit, task, photo((300, 300)))
    client.post("/logout", data={"csrf_token": soup(client.get("/checklist")).select_one("input[name=csrf_token]")["value"]})
    return Evidence.get()


def test_the_office_sees_the_evidence_read_only_on_the_units_page(client, actor, village):
    evidence = someones_photo(client, actor, village)
    actor.login("vanhoa")
    box = shown(actor, evidence.task, f"/board/units/{evidence.unit_id}")
    assert box.select_one(".thumbs img")["src"] == f"/evidence/{evidence.id}/thumb"
    assert not box.select("form")


def test_the_unit_removes_a_photo_and_the_log_keeps_it(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    upload(actor, unit, task, photo((300, 300)))
    form = shown(actor, task).select_one(".thumbs form")
    data = {"csrf_token": form.select_one("input[name=csrf_token]")["value"]}
    response = actor.client.post(form["action"], data=data)
    assert response.status_code == 303
    assert not shown(actor, task).select(".thumbs li")
    evidence = Evidence.get()
    assert evidence.removed and actor.client.get(f"/evidence/{evidence.id}").status_code == 404
    actor.client.post(form["action"], data=data, headers={"HX-Request": "true"})  # a replay changes nothing
    removals = list(Event.select().where(Event.kind == "evidence.remove"))
    assert len(removals) == 1 and removals[0].unit_id == unit.id and '"removed": true' in removals[0].after


def test_another_unit_cannot_remove_a_photo(client, actor, village):
    evidence = someones_photo(client, actor, village)
    actor.login("ban-na-it")
    token = soup(actor.client.get("/checklist")).select_one("input[name=csrf_token]")["value"]
    assert actor.client.post(f"/evidence/{evidence.id}/remove", data={"csrf_token": token}).status_code == 403
    assert not Evidence.get().removed


@pytest.mark.skipif(not hasattr(Task, "evidence_required"), reason="tasks cannot require evidence yet")
def test_a_task_that_requires_evidence_says_so(actor, village):
    unit, task = village
    Task.update(evidence_required=True).where(Task.id == task.id).execute()
    actor.login("ban-na-bo")
    assert shown(actor, task).select_one(".need").text == "Cần minh chứng"
    other = next(t for t in Task.select().where(Task.id != task.id) if t.applies_to(unit))
    assert shown(actor, other).select_one(".need") is None


def test_a_name_with_control_characters_or_three_hundred_letters_is_cleaned_and_cut(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    long_name = "ả" * 296 + ".jpg"
    assert upload(actor, unit, task, photo((50, 50)), name="bien\x00ban\x1b[31m\thop.jpg").status_code == 303
    assert upload(actor, unit, task, photo((60, 50)), name=long_name).status_code == 303
    names = [e.name for e in Evidence.select().order_by(Evidence.id)]
    assert names == ["bienban[31mhop.jpg", long_name[-120:]]
    page = soup(actor.client.get("/checklist"))
    assert "\x00" not in str(page) and "\x1b" not in str(page)


@pytest.mark.parametrize("data, name, mimetype", [
    (b"", "trong.jpg", "image/jpeg"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "anh.svg", "image/svg+xml"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "anh.png", "image/png"),
])
def test_an_empty_file_or_an_svg_is_refused(actor, village, evidence_dir, data, name, mimetype):
    unit, task = village
    actor.login("ban-na-bo")
    response = upload(actor, unit, task, data, name=name, mimetype=mimetype)
    assert response.status_code == 400
    assert soup(response).select_one(f"#evidence-{task.id} .field-error").text.strip()
    assert not Evidence.select().exists() and stored_files(evidence_dir) == []
