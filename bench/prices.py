"""AWS list prices the cost model uses: us-east-1, on-demand, with the date they are from.

One table, so a price change is one edit and BENCHMARKS.md lists exactly what
was used. These are AWS's published list prices as recorded on ``PRICES_AS_OF``
(DynamoDB on-demand after its November 2024 reduction); this machine has no
internet, so they were not re-read at run time: check them before relying on a
total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PRICES_AS_OF: Final = "2026-11-22"
REGION: Final = "us-east-1"
HOURS_PER_MONTH: Final = 730
GB: Final = 1024**3


@dataclass(frozen=True)
class Price:
    key: str
    dollars: float
    per: str
    service: str


PRICES: Final = {
    p.key: p
    for p in (
        Price("ddb_write", 0.625, "million write request units", "DynamoDB on-demand"),
        Price("ddb_read", 0.125, "million read request units", "DynamoDB on-demand"),
        Price("ddb_storage", 0.25, "GB-month (first 25 GB free, ignored here)", "DynamoDB"),
        Price("ddb_pitr", 0.20, "GB-month of point-in-time recovery", "DynamoDB"),
        Price("kinesis_stream_hour", 0.04, "stream-hour (on-demand)", "Kinesis"),
        Price("kinesis_in", 0.08, "GB in (on-demand, records rounded up to 1 KB)", "Kinesis"),
        Price("kinesis_out", 0.04, "GB retrieved (on-demand)", "Kinesis"),
        Price("kinesis_shard_hour", 0.015, "shard-hour (provisioned)", "Kinesis"),
        Price("kinesis_put_unit", 0.014, "million 25 KB PUT units (provisioned)", "Kinesis"),
        Price("lambda_gb_s", 0.0000166667, "GB-second (x86_64)", "Lambda"),
        Price("lambda_request", 0.20, "million invocations", "Lambda"),
        Price("fargate_vcpu_hour", 0.03238, "vCPU-hour (Linux/ARM64)", "Fargate"),
        Price("fargate_gb_hour", 0.00356, "GB-hour (Linux/ARM64)", "Fargate"),
        Price("ipv4_hour", 0.005, "public IPv4 address-hour", "VPC"),
        Price("cw_dashboard", 3.00, "dashboard-month (beyond 3 free)", "CloudWatch"),
        Price("cw_alarm", 0.10, "standard alarm-month", "CloudWatch"),
        Price("cw_metric", 0.30, "custom metric-month", "CloudWatch"),
        Price("secret", 0.40, "secret-month", "Secrets Manager"),
        Price("apigw_request", 3.50, "million REST API requests", "API Gateway"),
    )
}


def price(key: str) -> float:
    return PRICES[key].dollars


def table() -> str:
    """The prices as a markdown table, for BENCHMARKS.md."""
    lines = ["| service | price | per |", "|---|---|---|"]
    for p in PRICES.values():
        lines.append(f"| {p.service} | ${p.dollars:g} | {p.per} |")
    return "\n".join(lines)
