"""The features this island runs, in the order their demo data builds on each other.

Each feature declares itself once, in its own module here (a `Feature`: LINE routes, jobs,
erasers, dashboard pages and menu, person-page panels, CLI group, demo data). Adding a
feature is writing that module and naming it in `default_features`; see docs/architecture.md.
"""

from __future__ import annotations

from islandos.registry import Feature


def default_features() -> list[Feature]:
    from islandos.features import (
        disaster,
        events,
        fees,
        map,
        notices,
        office,
        polls,
        privacy,
        registration,
    )

    # polls before notices: its eraser must see a person's answers before the core unlinks them
    return [registration.FEATURE, polls.FEATURE, notices.FEATURE, map.FEATURE, fees.FEATURE,
            events.FEATURE, office.FEATURE, privacy.FEATURE, disaster.FEATURE]
