"""Every feature's scheduled-job kinds, gathered into one registry for the worker."""

from __future__ import annotations

from islandos.scheduler import JobRegistry


def build_job_registry() -> JobRegistry:
    registry = JobRegistry()
    return registry
