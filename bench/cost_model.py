"""Figure 7: the cost model: dollars per million tweets, per delivery, and at idle.

Every unit comes from this run's measurements (``Context.units``, filled by
figures 2-4; any that are missing are measured here first): compressed bytes
per tweet through Kinesis, WCU/RCU and requests per stored tweet and per
delivery, the consumer's CPU milliseconds. Prices are AWS list prices
(``bench.prices``, with their date). The one assumption, named in the report,
is DynamoDB's latency per request, which Lambda bills as duration.
"""

from __future__ import annotations

from typing import Final

from bench import prices
from bench.context import Context
from bench.harness import Figure, fmt
from bench.prices import GB, HOURS_PER_MONTH, price
from chalicelib.consumer.mapping import MAPPING
from chalicelib.core import metricnames as names
from chalicelib.core import resources
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.alarms import alarm_specs
from infra.streamfeed_infra.targets import default_targets

#: Assumed DynamoDB latency per request, billed as Lambda duration (AWS: single-digit ms).
DDB_LATENCY_MS: Final = 5.0
#: The feeds library overlaps a fan-out's requests on this many threads.
FANOUT_THREADS: Final = 8
CONSUMER_GB: Final = 1.0  # the consumer function's memory (infra config)
STREAMER_VCPU: Final = 0.25
STREAMER_GB: Final = 0.5
SECONDS_PER_MONTH: Final = HOURS_PER_MONTH * 3600
RATES: Final = {"1% stream (50/s)": 50, "firehose average (6,000/s)": 6000}
SUBSCRIBERS: Final = (0, 1, 10, 100, 1000)
NEEDED: Final = {
    "kinesis_bytes_per_tweet_50": "bench.shipping",
    "wcu_per_tweet": "bench.consumer_cost",
    "page20_rcu": "bench.feeds_bench",
}


def _measure_missing(ctx: Context) -> list[str]:
    import importlib

    ran = []
    for unit, module in NEEDED.items():
        if unit not in ctx.units:
            importlib.import_module(module).run(ctx)
            ran.append(module)
    return ran


def per_million(ctx: Context, rate: int) -> dict[str, float]:
    """Dollars per million tweets at ``rate`` tweets/s, by stage of the pipeline."""
    u = ctx.units
    shipped = u[f"kinesis_bytes_per_tweet_{rate}"] * 1e6 / GB
    capture = shipped * (price("kinesis_in") + price("kinesis_out"))
    # Lambda: CPU plus DynamoDB round trips, at 1 GB; invocations at the batching window,
    # or, with no window, at Lambda's poll of each shard (about once a second).
    seconds = (u["cpu_ms_per_tweet"] + u["requests_per_tweet"] * DDB_LATENCY_MS) / 1000
    batching_s = max(MAPPING.maximum_batching_window_in_seconds, 1)
    invocations = 1e6 / min(rate * batching_s, 20_000)
    lambda_cost = (
        seconds * 1e6 * CONSUMER_GB * price("lambda_gb_s")
        + invocations * price("lambda_request") / 1e6
    )
    dynamo = u["wcu_per_tweet"] * price("ddb_write") + u["rcu_per_tweet"] * price("ddb_read")
    delivery_s = (
        u["cpu_ms_per_delivery"] + u["requests_per_delivery"] * DDB_LATENCY_MS / FANOUT_THREADS
    ) / 1000
    delivery = u["wcu_per_delivery"] * price("ddb_write") + (
        delivery_s * 1e6 * CONSUMER_GB * price("lambda_gb_s")
    )
    storage = (price("ddb_storage") + price("ddb_pitr")) * u["stored_bytes_per_tweet"] * 1e6 / GB
    delivery_storage = (
        (price("ddb_storage") + price("ddb_pitr")) * u["stored_bytes_per_delivery"] * 1e6 / GB
    )
    return {
        "capture": capture,
        "store_dynamodb": dynamo,
        "store_lambda": lambda_cost,
        "store": dynamo + lambda_cost,
        "delivery": delivery,
        "storage_month": storage,
        "delivery_storage_month": delivery_storage,
    }


def idle(settings: Settings) -> dict[str, float]:
    """Dollars per month with nothing flowing, from what the stack deploys."""
    alarms = len(alarm_specs(settings, default_targets(settings)))
    metrics = sum(
        1 for key, value in vars(names).items()
        if key.isupper() and isinstance(value, str) and key != "STAGE_DIMENSION"
    )  # fmt: skip
    secrets = len(resources.SECRETS) + 1  # the system's, plus one key set
    return {
        "Kinesis on-demand stream": price("kinesis_stream_hour") * HOURS_PER_MONTH,
        "Fargate streamer task (0.25 vCPU, 0.5 GB, ARM64)": (
            STREAMER_VCPU * price("fargate_vcpu_hour") + STREAMER_GB * price("fargate_gb_hour")
        ) * HOURS_PER_MONTH,
        "public IPv4 address of the task": price("ipv4_hour") * HOURS_PER_MONTH,
        f"CloudWatch: 1 dashboard, {alarms} alarms, {metrics} custom metrics": (
            price("cw_dashboard") + alarms * price("cw_alarm") + metrics * price("cw_metric")
        ),
        f"Secrets Manager: {secrets} secrets": secrets * price("secret"),
    }  # fmt: skip


def run(ctx: Context) -> Figure:
    figure = Figure("7", "Cost model: dollars per million tweets and at idle (AWS list prices)")
    measured_here = _measure_missing(ctx)
    low = per_million(ctx, 50)
    idle_costs = idle(ctx.cloud.cloud.settings())
    idle_total = sum(idle_costs.values())
    provisioned = (
        idle_total
        - idle_costs["Kinesis on-demand stream"]
        + (price("kinesis_shard_hour") * HOURS_PER_MONTH)
    )
    figure.add("captured: streamer -> Kinesis on-demand, per million tweets", low["capture"], "USD")
    figure.add("stored: DynamoDB + consumer Lambda, per million tweets", low["store"], "USD")
    figure.add("fanned out: per million deliveries (one tweet to one subscriber)",
               low["delivery"], "USD")  # fmt: skip
    total10 = low["capture"] + low["store"] + 10 * low["delivery"]
    figure.add("per million tweets captured, stored and fanned out to N=10 subscribers",
               total10, "USD")  # fmt: skip
    figure.add("idle, per month (Kinesis on-demand)", idle_total, "USD")
    figure.add("idle, per month (one provisioned shard)", provisioned, "USD")
    figure.add("storage kept, per million tweets per month", low["storage_month"], "USD")
    _details(ctx, figure, low, idle_costs, provisioned, measured_here)
    return figure


def _details(
    ctx: Context,
    figure: Figure,
    low: dict[str, float],
    idle_costs: dict[str, float],
    provisioned: float,
    measured_here: list[str],
) -> None:
    u = ctx.units
    figure.note(
        f"Prices: AWS list prices for {prices.REGION} as recorded on {prices.PRICES_AS_OF} "
        "(not re-read online by the benchmark):\n\n" + prices.table()
    )
    figure.note(
        "Measured units used (this run): "
        f"{fmt(u['kinesis_bytes_per_tweet_50'])} bytes/tweet through Kinesis at 50/s "
        f"({fmt(u['kinesis_bytes_per_tweet_6000'])} at 6,000/s); "
        f"{fmt(u['wcu_per_tweet'])} WCU + {fmt(u['rcu_per_tweet'])} RCU and "
        f"{fmt(u['requests_per_tweet'] * 1000)} requests per 1,000 tweets stored; "
        f"{fmt(u['cpu_ms_per_tweet'])} ms consumer CPU per tweet; "
        f"{fmt(u['wcu_per_delivery'])} WCU, {fmt(u['requests_per_delivery'])} requests and "
        f"{fmt(u['cpu_ms_per_delivery'])} ms CPU per delivery; "
        f"{fmt(u['stored_bytes_per_tweet'])} bytes kept per tweet, "
        f"{fmt(u['stored_bytes_per_delivery'])} per delivery. Lambda duration = CPU + "
        f"requests x {DDB_LATENCY_MS:g} ms (assumed DynamoDB latency; fan-out requests overlap "
        f"on {FANOUT_THREADS} threads), at {CONSUMER_GB:g} GB."
        + (f" Units measured for this figure: {', '.join(measured_here)}." if measured_here else "")
    )
    per_m = [
        "| per million tweets | " + " | ".join(RATES) + " |",
        "|---|" + "---|" * len(RATES),
    ]
    tables = {name: per_million(ctx, rate) for name, rate in RATES.items()}
    for key, label in (("capture", "captured (Kinesis in + out)"),
                       ("store_dynamodb", "stored: DynamoDB"),
                       ("store_lambda", "stored: consumer Lambda"),
                       ("delivery", "each delivery (x N subscribers reached)"),
                       ("storage_month", "storage + PITR, per month kept")):  # fmt: skip
        per_m.append(f"| {label} | " + " | ".join(f"${t[key]:.3f}" for t in tables.values()) + " |")
    figure.note("\n".join(per_m))
    months = ["| N subscribers reached per tweet | " + " | ".join(
        f"{name}, per month" for name in RATES) + " |", "|---|" + "---|" * len(RATES)]  # fmt: skip
    for n in SUBSCRIBERS:
        cells = []
        for name, rate in RATES.items():
            t = tables[name]
            tweets_m = rate * SECONDS_PER_MONTH / 1e6
            monthly = tweets_m * (t["capture"] + t["store"] + n * t["delivery"])
            cells.append(f"${monthly:,.0f}")
        months.append(f"| {n:,} | " + " | ".join(cells) + " |")
    figure.note(
        "Running cost per month (flow only; add idle, and storage growing by the month):\n\n"
        + "\n".join(months)
    )
    idle_lines = ["| at idle, per month | |", "|---|---|"]
    idle_lines += [f"| {k} | ${v:.2f} |" for k, v in idle_costs.items()]
    idle_lines.append(f"| **total** | **${sum(idle_costs.values()):.2f}** "
                      f"(${provisioned:.2f} with one provisioned shard) |")  # fmt: skip
    figure.note(
        "\n".join(idle_lines) + "\n\nDynamoDB (on-demand), Lambda, API Gateway, SQS, SNS and "
        "Cognito cost nothing at idle; storage is billed as it accumulates."
    )
    page = u["page20_rcu"]
    figure.note(
        f"A feed page of 20 (`fanout`) reads {fmt(page)} RRU: "
        f"${page * price('ddb_read'):.3f} per million pages in DynamoDB, plus API Gateway's "
        f"${price('apigw_request'):.2f} per million requests and the API Lambda's time."
    )
