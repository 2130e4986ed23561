"""The streamer's botocore sessions share one data loader, and clients still work."""

from __future__ import annotations

import boto3
import botocore.session

from streamer import botodata


def _loader(session: boto3.session.Session) -> object:
    return session._session.get_component("data_loader")


def test_sessions_made_after_sharing_share_one_loader() -> None:
    botodata.share_loader()
    botodata.share_loader()  # idempotent: still one loader, not a wrapper of a wrapper
    first, second = boto3.session.Session(), boto3.session.Session()
    assert _loader(first) is _loader(second)
    assert _loader(first) is botocore.session.get_session().get_component("data_loader")
    # Each session still builds its own working client from the shared data.
    kinesis = first.client("kinesis", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    dynamodb = second.client("dynamodb", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    assert kinesis.meta.service_model.service_name == "kinesis"
    assert "PutRecords" in kinesis.meta.service_model.operation_names
    assert "Query" in dynamodb.meta.service_model.operation_names
