"""Records' MongoDB migrations: files `m<YYYYMMDDHHMMSS>_<slug>.py`, found automatically."""

PACKAGE = __name__
