"""Static files under content-hashed names, compressed once at start-up and kept forever by browsers."""
import gzip
import hashlib
from pathlib import Path

import brotli
from flask import Flask, Response, abort, request, url_for

STATIC = Path(__file__).resolve().parent.parent / "static"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
         ".png": "image/png"}


# sha256 of a file -> its bodies by encoding: brotli at its best level is slow, and an app made again in the same
# process (the tests make hundreds) should not pay it again for the same bytes.
_compressed = {}


class Asset:
    def __init__(self, path: Path):
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        self.type = TYPES[path.suffix]
        if digest not in _compressed:
            _compressed[digest] = {"br": brotli.compress(body, quality=11), "gzip": gzip.compress(body, 9, mtime=0),
                                   None: body}
        self.bodies = _compressed[digest]
        name = path.relative_to(STATIC).as_posix()
        stem, _, suffix = name.rpartition(".")
        self.url_name = f"{stem}.{digest[:10]}.{suffix}"


def _load() -> dict[str, Asset]:
    return {p.relative_to(STATIC).as_posix(): Asset(p) for p in sorted(STATIC.rglob("*"))
            if p.is_file() and p.suffix in TYPES}


def init_app(app: Flask) -> None:
    assets = _load()
    by_url = {a.url_name: a for a in assets.values()}

    @app.get("/static/<path:filename>")
    def static(filename):
        found = by_url.get(filename)
        if found is None:
            abort(404)
        encoding = next((e for e in ("br", "gzip") if e in request.accept_encodings), None)
        response = Response(found.bodies[encoding], content_type=found.type)
        if encoding:
            response.content_encoding = encoding
        response.vary.add("Accept-Encoding")
        # The name changes whenever the content does, so the old copy may be kept for good.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    @app.template_global()
    def asset(name: str) -> str:
        return url_for("static", filename=assets[name].url_name)
