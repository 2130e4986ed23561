"""Poison in the middle of a shard: records the consumer can never process.

While X's tweets flow, three records are put straight into the stream (the
one shard), between the streamer's own records:

* bytes that are not a record at all: dead-lettered at once (``undecodable-record``);
* a record with a line that is not JSON between two good tweets: the line is
  dead-lettered (``bad-line``), the two tweets are stored;
* a record whose one tweet is too big for a DynamoDB item (400 KB): it fails on
  every try and is dead-lettered after the mapping's attempts (``failed-record``).

The shard must move on: everything X sent before and after is stored, and the
recovery time says how long the poison held the shard back.
"""

from __future__ import annotations

import os
import time

import orjson

from chalicelib.core import aws, records
from chalicelib.core.records import Entry
from chaos.results import Outcome
from chaos.stream.accounting import StoreProbe
from chaos.stream.rig import Rig
from chaos.stream.window import Window
from tools.fakex.snowflake import iso_ms, snowflake

#: Worker bits no fake X stream uses, so injected ids never collide with X's.
_WORKER = 777 << 12


def _tweet(term_id: str, n: int, text: str) -> tuple[str, bytes]:
    now = int(time.time() * 1000)
    tweet_id = str(snowflake(now, _WORKER | n))
    line = {
        "data": {"id": tweet_id, "text": text, "author_id": "99", "created_at": iso_ms(now)},
        "includes": {"users": [{"id": "99", "username": "poisoner", "name": "P"}]},
        "matching_rules": [{"id": "1", "tag": term_id}],
    }
    return tweet_id, orjson.dumps(line)


def poison_records(rig: Rig) -> Outcome:
    window = Window(rig, "poison-records", "3 poison records put mid-shard among X's tweets")
    window.calm(rig.profile.calm)
    term = rig.term_ids[0]
    now = int(time.time() * 1000)
    good = [_tweet(term, 1, "good before the bad line"), _tweet(term, 2, "good after it")]
    huge_id, huge = _tweet(term, 3, os.urandom(300_000).hex())  # 600 KB, incompressible
    datas = [
        b"\x00not a record at all\xff" * 10,
        records.encode(
            [Entry(now, good[0][1]), Entry(now, b"{this is not json"), Entry(now, good[1][1])]
        ),
        records.encode([Entry(now, huge)]),
    ]
    kinesis = aws.client(rig.settings, "kinesis")  # straight to the stream, not via the proxy
    for data in datas:
        kinesis.put_record(StreamName=rig.settings.kinesis_stream, Data=data, PartitionKey="p")
        window.calm(1.0)
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish(dead_letters=3)
    probe = StoreProbe(rig.settings)
    stored_good = probe.stored([tweet_id for tweet_id, _ in good])
    outcome.check(
        "the good tweets around the bad line were stored",
        len(stored_good) == 2, f"{len(stored_good)} of 2",
    )  # fmt: skip
    outcome.check("the oversized tweet was not stored", not probe.stored([huge_id]))
    return outcome
