"""The port poster: `islandos fees poster` and the dashboard's buttons, one QR per source."""

from __future__ import annotations

import io

from PIL import Image

from islandos.cli import main
from islandos.extensions import islandos_state
from islandos.services.fees.poster import poster_url


def _dark_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    area = image.crop(box).convert("L")
    histogram = area.histogram()
    return sum(histogram[:128]) / (area.width * area.height)


def test_the_poster_command_writes_a_png_and_an_svg_per_source(app, tmp_path):
    result = app.test_cli_runner().invoke(main, ["fees", "poster", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    base = islandos_state(app).settings.public_base_url
    for source in ("port", "ferry", "inn"):
        assert f"{source}: " in result.output and f"{base}/fee?src={source}" in result.output
        image = Image.open(tmp_path / f"fee-poster-{source}.png")
        assert image.size == (1240, 1754)  # A4 at 150 dpi
        assert 0.3 < _dark_share(image, (240, 340, 1000, 1100)) < 0.7  # the QR's modules
        assert _dark_share(image, (0, 0, 1240, 230)) > 0.5  # the green title band
        svg = (tmp_path / f"fee-poster-{source}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "入島協力金のお願い" in svg
        assert "Island entry contribution" in svg and f"{base}/fee?src={source}" in svg
    one = app.test_cli_runner().invoke(main, ["fees", "poster", "--source", "inn", "--out",
                                             str(tmp_path / "inn")])
    assert one.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "inn").iterdir()) == [
        "fee-poster-inn.png", "fee-poster-inn.svg"]
    unknown = app.test_cli_runner().invoke(main, ["fees", "poster", "--source", "airport"])
    assert unknown.exit_code != 0 and "airport" in unknown.output


def test_the_dashboard_gives_each_sources_poster(app, admin_client):
    viewer = admin_client(role="viewer")
    page = viewer.get("/admin/fees/port").get_data(as_text=True)
    assert "/admin/fees/poster/ferry.png" in page and "/admin/fees/poster/inn.svg" in page
    png = viewer.get("/admin/fees/poster/ferry.png")
    assert png.mimetype == "image/png"
    assert Image.open(io.BytesIO(png.data)).size == (1240, 1754)
    svg = viewer.get("/admin/fees/poster/port.svg").get_data(as_text=True)
    settings = islandos_state(app).settings
    assert poster_url(settings, "port") in svg
    assert viewer.get("/admin/fees/poster/airport.png").status_code == 404
