"""Stream scenarios: the composition under X, Kinesis, DynamoDB and process faults."""
