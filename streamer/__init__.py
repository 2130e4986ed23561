"""The streamer: the one container that holds the X stream and ships to Kinesis.

Pure parts (line routing, rule diffing, batching) are separate from adapters
(tweepy, Kinesis, DynamoDB lease and status, the spool file) so they can be
tested without servers.
"""
