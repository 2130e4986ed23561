"""Lambda's Kinesis event-source mapping, played locally: reads the shards and
calls the consumer's handler with the same events, checkpoints and retries."""
