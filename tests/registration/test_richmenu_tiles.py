"""Every rich-menu tile leads somewhere: the words it sends are claimed by a handler."""

from __future__ import annotations

import pytest

from islandos.extensions import islandos_state
from islandos.i18n import LANGUAGES, gettext
from islandos.line.events import LineEvent
from islandos.line.richmenus import LAYOUTS
from tests.support.webhook import text_event

TILES = [(layout.name, tile.words, language) for layout in LAYOUTS for tile in layout.tiles
         for language in LANGUAGES]


@pytest.mark.parametrize(("menu", "words", "language"), TILES)
def test_a_tile_tap_reaches_its_feature_not_the_help_fallback(app, menu, words, language):
    router = islandos_state(app).router
    tapped = text_event("U" + "1" * 32, gettext(language, words))
    handler, _match = router.resolve(LineEvent.from_json(tapped), None)
    assert handler is not None
    assert handler.__name__ != "on_unknown_text", f"{menu}/{language}: {words} goes nowhere"
