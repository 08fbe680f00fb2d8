"""Pictures of the main pages at 360 px (a village head's phone) and 1280 px (the office's desktop), taken
from the demo in Debian's chromium, into docs/screenshots/: `make screenshots`.

The demo is loaded on a temporary SQLite database on the real today (its ticks carry the real time), so
the campaign is half way through, as on a fresh `make run`."""
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"360": (360, 740), "1280": (1280, 800)}
# (who logs in, page, file name, caption); None is the public.
PAGES = [
    (None, "/login", "dang-nhap", "Đăng nhập"),
    ("ban-na-bo", "/checklist", "don-vi-viec-can-lam", "Đơn vị (Bản Nà Bỏ): việc cần làm"),
    ("ban-na-bo", "/report", "don-vi-so-ket", "Đơn vị: sơ kết và đề nghị khen thưởng"),
    ("vanhoa", "/board", "van-phong-bang-theo-doi", "Phòng Văn hóa – Xã hội: bảng theo dõi tiến độ"),
    ("vanhoa", "/board/units/{unit}", "van-phong-mot-don-vi", "Phòng: việc của một đơn vị"),
    ("vanhoa", "/reports", "van-phong-so-ket", "Phòng: sơ kết của các đơn vị"),
    ("vanhoa", "/reports/{unit}", "van-phong-so-ket-mot-don-vi", "Phòng: xem sơ kết của một đơn vị"),
    ("vanhoa", "/reminders", "van-phong-nhac-viec", "Phòng: nhắc việc các đơn vị chậm"),
    ("vanhoa", "/awards", "van-phong-de-nghi-khen-thuong", "Phòng: đề nghị khen thưởng"),
    ("vanhoa", "/units", "van-phong-don-vi", "Phòng: đơn vị và tài khoản"),
    ("vanhoa", "/campaigns", "van-phong-dot-thi-dua", "Phòng: các đợt thi đua"),
    ("vanhoa", "/audit", "van-phong-nhat-ky", "Phòng: nhật ký thay đổi"),
    (None, "/cong-khai", "cong-khai", "Công khai (không cần đăng nhập)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env, *args):
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{tmp}/demo.db",
               "PORTAL_SECRET_KEY": "screenshots", "PORTAL_EVIDENCE_DIR": f"{tmp}/evidence", "PORT": str(port)}
        flask(env, "db", "upgrade")
        flask(env, "demo")
        with sqlite3.connect(f"{tmp}/demo.db") as db:  # Bản Nà Bỏ has filed its sơ kết in the demo
            unit = db.execute("SELECT id FROM unit WHERE code = 'ban-na-bo'").fetchone()[0]
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            shoot(base, unit)
        finally:
            server.terminate()
            server.wait(10)
    index = ["# Ảnh chụp các trang chính", "", "Tạo lại bằng `make screenshots` (dữ liệu mẫu, Chromium của Debian).", "",
             "| trang | điện thoại (360 px) | máy tính (1280 px) |", "|---|---|---|"]
    index += [f"| {caption} | ![{caption}, 360 px]({name}-360.jpg) | ![{caption}, 1280 px]({name}-1280.jpg) |"
              for _, _, name, caption in PAGES]
    (OUT / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.glob("*.jpg"))
    print(f"{len(list(OUT.glob('*.jpg')))} ảnh, {total / 1024:.0f} KiB trong {OUT.relative_to(ROOT)}/")


def shoot(base, unit: int):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for width, (w, h) in WIDTHS.items():
            pages = {}
            for username, path, name, _ in PAGES:
                if username not in pages:
                    pages[username] = browser.new_context(viewport={"width": w, "height": h}, locale="vi-VN",
                                                          timezone_id="Asia/Ho_Chi_Minh").new_page()
                    if username:
                        log_in(pages[username], base, username)
                page = pages[username]
                page.goto(base + path.format(unit=unit))  # "load": the board's live stream never idles
                page.screenshot(path=OUT / f"{name}-{width}.jpg", type="jpeg", quality=70)
        browser.close()


def log_in(page, base, username):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo2026")
    page.click("button.primary")
    page.wait_for_load_state()


if __name__ == "__main__":
    main()
