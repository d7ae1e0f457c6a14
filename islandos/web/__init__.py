"""Web blueprints: the LINE webhook, health, admin, public pages and the dev simulator."""
