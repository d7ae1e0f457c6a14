"""Logging: one line per record, with the webhook event id and LINE user id where known."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str, lean: bool = True) -> None:
    """One handler on stderr. `lean`: records skip what no line prints (the logging HOWTO's
    "Optimization": the caller's file and line, thread names; gunicorn's own lines print
    the process id, so that stays), a quarter of the cost of the webhook's line per event.
    Off in tests, whose log format shows the caller's file and line."""
    if lean:
        logging._srcfile = None
        logging.logThreads = False
        logging.logMultiprocessing = False
    root = logging.getLogger()
    if not any(getattr(h, "_islandos", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._islandos = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
