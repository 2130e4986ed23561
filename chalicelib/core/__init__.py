"""What both deployables run: the Lambda functions and the streamer container.

Settings, resource names, the PynamoDB models, the Kinesis record format, the
AWS clients and key sets. The streamer's image copies only this package of
``chalicelib`` (see the Dockerfile), so nothing here may import the rest of it.
"""
