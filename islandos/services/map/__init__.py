"""The tourist map: spots, closures, the nearest open spots, and spots as open data."""
