"""Domain services: plain functions over a Session that flush, never commit."""
