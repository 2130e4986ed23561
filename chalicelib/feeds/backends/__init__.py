"""Feed backends. ``fanout`` and ``shared`` store in DynamoDB; ``memory`` in process."""
