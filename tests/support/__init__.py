"""Helpers shared by the tests: databases, signed webhook events, factories."""
