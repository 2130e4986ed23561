"""Route handlers: ``Call`` in, ``Reply`` out; the services do the work."""
