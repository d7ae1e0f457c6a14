"""Every feature's scheduled-job kinds, gathered into one registry for the worker."""

from __future__ import annotations

from datetime import timedelta

from islandos.line import richmenus
from islandos.scheduler import JobRegistry
from islandos.services import notice_images, notice_sending


def build_job_registry() -> JobRegistry:
    registry = JobRegistry()
    registry.add("notice.send", notice_sending.job_send)
    # one weekday of a weekly series
    registry.add("notice.occurrence", notice_sending.job_occurrence)
    registry.add("notice.remind", notice_sending.job_remind)
    richmenus.register_jobs(registry)  # richmenu.link, richmenu.unlink
    registry.every(timedelta(hours=1), "notice.images.unused",
                   notice_images.delete_unused_images)
    return registry
