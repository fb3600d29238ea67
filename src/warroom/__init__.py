"""warroom: a terminal war room for incident response."""

__version__ = "0.1.0"
