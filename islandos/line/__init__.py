"""The LINE side of IslandOS: events in, messages out."""
