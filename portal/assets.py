"""Static files under content-hashed names, so browsers may keep them forever."""
import hashlib
from pathlib import Path

from flask import Flask, abort, send_from_directory, url_for

STATIC = Path(__file__).resolve().parent.parent / "static"
YEAR = 31536000


def _hashed_names() -> dict[str, str]:
    names = {}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in {".css", ".js", ".svg", ".png", ".ico"}:
            name = path.relative_to(STATIC).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            stem, dot, suffix = name.rpartition(".")
            names[name] = f"{stem}.{digest}{dot}{suffix}"
    return names


def init_app(app: Flask) -> None:
    hashed = _hashed_names()
    original = {v: k for k, v in hashed.items()}

    @app.get("/static/<path:filename>")
    def static(filename):
        name = original.get(filename)
        if name is None:
            abort(404)
        response = send_from_directory(STATIC, name, max_age=YEAR, conditional=True)
        response.cache_control.immutable = True
        response.cache_control.public = True
        return response

    @app.template_global()
    def asset(name: str) -> str:
        return url_for("static", filename=hashed[name])
