"""Every feature's scheduled-job kinds, gathered into one registry for the worker."""

from __future__ import annotations

from islandos.line import richmenus
from islandos.scheduler import JobRegistry
from islandos.services import notices


def build_job_registry() -> JobRegistry:
    registry = JobRegistry()
    registry.add("notice.send", notices.job_send)
    registry.add("notice.occurrence", notices.job_occurrence)  # one weekday of a weekly series
    registry.add("notice.remind", notices.job_remind)
    richmenus.register_jobs(registry)  # richmenu.link, richmenu.unlink
    return registry
