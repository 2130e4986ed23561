"""API scenarios: hostile input, the OpenAPI property run, concurrent clients."""
