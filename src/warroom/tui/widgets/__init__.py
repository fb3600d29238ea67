"""The war room's widgets."""
