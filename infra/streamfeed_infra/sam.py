"""What ``chalice package`` cannot express, in the SAM shape its template uses.

Chalice packages the app as a SAM template: the consumer's event source
mapping is an ``Events`` entry of an ``AWS::Serverless::Function`` and the
REST API is an ``AWS::Serverless::Api``. Both deployment paths patch those same
spots (the CDK app with ``add_override``, ``chalice package`` with a merge
template), so both are built here, from ``chalicelib.consumer.mapping`` and
``infra.streamfeed_infra.gatewayresponses``. Plain data: no CDK import.
"""

from __future__ import annotations

from typing import Any, Final

from chalicelib.consumer.mapping import HANDLER_NAME, EventSourceMapping
from infra.streamfeed_infra.gatewayresponses import gateway_responses

#: Logical ids in Chalice's SAM template.
API_FUNCTION: Final = "APIHandler"
AUTHORIZER_FUNCTION: Final = "JwtAuth"
REST_API: Final = "RestAPI"


def camel(name: str) -> str:
    """Chalice's logical id for a handler name (``consume_tweets`` -> ``ConsumeTweets``)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


CONSUMER_FUNCTION: Final = camel(HANDLER_NAME)
KINESIS_EVENT: Final = f"{CONSUMER_FUNCTION}KinesisEventSource"
#: Where the SAM transform puts the real ``AWS::Lambda::EventSourceMapping``.
TRANSLATED_MAPPING: Final = f"{CONSUMER_FUNCTION}{KINESIS_EVENT}"


def kinesis_event_properties(
    mapping: EventSourceMapping, stream_arn: Any, dead_letter_arn: Any
) -> dict[str, Any]:
    """The SAM ``Kinesis`` event's properties for ``mapping``.

    SAM names the stream ``Stream`` (not ``EventSourceArn``) and wants the
    destination's ``Type``; everything else is the mapping's own CloudFormation
    properties, so nothing here can drift from ``mapping.py``.
    """
    props = mapping.cloudformation_properties(stream_arn, dead_letter_arn)
    props["Stream"] = props.pop("EventSourceArn")
    props["DestinationConfig"]["OnFailure"]["Type"] = "SQS"
    if not props["FunctionResponseTypes"]:
        del props["FunctionResponseTypes"]
    return props


def sam_gateway_responses() -> dict[str, Any]:
    """``gateway_responses()`` as the ``GatewayResponses`` property of an ``AWS::Serverless::Api``.

    Why not ``AWS::ApiGateway::GatewayResponse`` resources: API Gateway serves
    gateway responses from a deployment's snapshot, and SAM's deployment does
    not depend on separate resources, so a first deploy could miss them. SAM
    writes this property into the API definition instead, and its deployment
    hash changes with it, so every change is redeployed.
    """
    out: dict[str, Any] = {}
    for response in gateway_responses():
        headers = {
            key.removeprefix("gatewayresponse.header."): value
            for key, value in response.get("ResponseParameters", {}).items()
        }
        entry: dict[str, Any] = {
            "ResponseTemplates": dict(response["ResponseTemplates"]),
            "ResponseParameters": {"Headers": headers},
        }
        if "StatusCode" in response:
            entry["StatusCode"] = response["StatusCode"]
        out[response["ResponseType"]] = entry
    return out
