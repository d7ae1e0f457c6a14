"""Disaster mode and its safety check (安否確認): see docs/architecture.md."""
