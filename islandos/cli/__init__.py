"""The `islandos` command: one click group per area; each feature brings its own group."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from islandos.app import create_app
from islandos.cli import db, demo, line, serve


class IslandGroup(FlaskGroup):
    """Adds the CLI groups the features declare (looked up when the command runs, since the
    feature modules import their own CLI modules)."""

    def _feature_commands(self) -> dict[str, click.Command]:
        from islandos.features import default_features

        return {feature.cli.name or feature.name: feature.cli
                for feature in default_features() if feature.cli is not None}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._feature_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._feature_commands().get(name) or super().get_command(ctx, name)


# Commands need no warm-up (`islandos serve` warms its web app up itself).
@click.group(cls=IslandGroup, create_app=lambda: create_app({"warm_up": False}),
             add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def main() -> None:
    """IslandOS: run the island's LINE account, web pages and worker."""


main.add_command(db.group)
main.add_command(serve.serve)
main.add_command(serve.worker)
main.add_command(demo.demo)
main.add_command(line.group)
