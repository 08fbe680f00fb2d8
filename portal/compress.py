"""Compressed responses (brotli or gzip, by Accept-Encoding) for pages, fragments and JSON."""
from flask_compress import Compress

compress = Compress()


def init_app(app):
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)  # near-best size for a few milliseconds per page
    app.config.setdefault("COMPRESS_MIN_SIZE", 300)
    app.config.setdefault("COMPRESS_STREAMS", False)  # an event stream must flush, not buffer
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "application/json", "text/csv"])
    compress.init_app(app)
