"""The local cloud: real emulator servers on loopback, set up like AWS.

dynalite (DynamoDB), kinesis-mock (Kinesis) and moto server (Secrets Manager,
SSM, CloudWatch, Logs, SQS), started as child processes and bootstrapped from
``chalicelib.core.resources``. Code under test runs the AWS code path; only the
endpoints differ.
"""

from tools.localcloud.cloud import LocalCloud, LocalCloudConfig
from tools.localcloud.errors import LocalCloudError

__all__ = ["LocalCloud", "LocalCloudConfig", "LocalCloudError"]
