"""The single resource definition agrees with the PynamoDB models, Powertools and the README."""

from __future__ import annotations

import inspect
from pathlib import Path

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from chalicelib.core import resources
from chalicelib.core.models import ALL_MODELS, bind, bind_models
from chalicelib.core.settings import Settings


def _schema_from_spec(spec: resources.TableSpec) -> dict[str, object]:
    request = spec.create_table_input("x")
    indexes = {
        i["IndexName"]: (sorted(map(str, i["KeySchema"])), i["Projection"]["ProjectionType"])
        for i in request.get("GlobalSecondaryIndexes", [])
    }
    return {
        "keys": sorted(map(str, request["KeySchema"])),
        "attributes": sorted(map(str, request["AttributeDefinitions"])),
        "indexes": indexes,
    }


def _schema_from_model(model: type) -> dict[str, object]:
    schema = model._get_schema()  # type: ignore[attr-defined]
    indexes = {
        i["index_name"]: (
            sorted(map(str, i["key_schema"])),
            i["projection"]["ProjectionType"],
        )
        for i in schema["global_secondary_indexes"]
    }
    return {
        "keys": sorted(map(str, schema["key_schema"])),
        "attributes": sorted(map(str, schema["attribute_definitions"])),
        "indexes": indexes,
    }


#: Tables no PynamoDB model reads or writes, and why.
UNMODELLED = {
    resources.IDEMPOTENCY.logical: "Powertools' DynamoDBPersistenceLayer owns its rows "
    "(chalicelib.api.idempotency); a model beside it would be a second writer",
}
MODELLED = [spec for spec in resources.TABLES if spec.logical not in UNMODELLED]


def test_every_table_has_exactly_one_model_with_the_same_keys() -> None:
    by_table = {m.Meta.table_name: m for m in ALL_MODELS}
    assert set(by_table) == {spec.logical for spec in MODELLED}
    assert len(ALL_MODELS) == len(MODELLED)
    for spec in MODELLED:
        model_schema = _schema_from_model(by_table[spec.logical])
        spec_schema = _schema_from_spec(spec)
        # PynamoDB spells key-schema dicts in another key order; compare as sets.
        assert model_schema["indexes"].keys() == spec_schema["indexes"].keys(), spec.logical  # type: ignore[attr-defined]
        assert len(model_schema["keys"]) == len(spec_schema["keys"])  # type: ignore[arg-type]
        model = by_table[spec.logical]
        assert model._hash_keyname == spec.hash_key.name
        assert model._range_keyname == (spec.range_key.name if spec.range_key else None)
        for key in (spec.hash_key, spec.range_key):
            if key is not None:
                assert by_table[spec.logical].get_attributes()[key.name].attr_type == key.type


def test_create_table_input_is_on_demand_with_indexes() -> None:
    request = resources.SUBSCRIPTIONS.create_table_input("p-subscriptions")
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert request["KeySchema"] == [
        {"AttributeName": "user_id", "KeyType": "HASH"},
        {"AttributeName": "term_id", "KeyType": "RANGE"},
    ]
    (index,) = request["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-term"
    assert index["KeySchema"][0] == {"AttributeName": "term_id", "KeyType": "HASH"}
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_logical_names_are_unique_and_valid_dynamodb_names() -> None:
    names = [spec.logical for spec in resources.TABLES]
    assert len(names) == len(set(names))
    settings = Settings(name_prefix="abc")
    for name in names:
        physical = settings.table_name(name)
        assert 3 <= len(physical) <= 255
        assert all(c.isalnum() or c in "_.-" for c in physical)


def test_binding_points_models_and_indexes_at_physical_tables() -> None:
    a = bind_models(Settings(name_prefix="stage-a", dynamodb_endpoint="http://127.0.0.1:1"))
    b = bind_models(Settings(name_prefix="stage-b"))
    assert a.subscriptions.Meta.table_name == "stage-a-subscriptions"
    assert a.subscriptions.Meta.host == "http://127.0.0.1:1"
    assert b.subscriptions.Meta.host is None
    # The index must query its own bound table, not the template's.
    assert a.subscriptions.by_term._model is a.subscriptions
    assert b.subscriptions.by_term._model is b.subscriptions
    assert issubclass(a.terms, ALL_MODELS[0])


def test_bind_is_cached_per_settings() -> None:
    s = Settings(name_prefix="cached")
    assert bind_models(s) is bind_models(s)
    assert bind(ALL_MODELS[0], s) is not bind(ALL_MODELS[0], s)


def test_the_idempotency_table_has_powertools_default_key_and_ttl() -> None:
    defaults = inspect.signature(DynamoDBPersistenceLayer).parameters
    spec = resources.IDEMPOTENCY
    assert (spec.hash_key, spec.range_key) == (resources.Key(defaults["key_attr"].default), None)
    assert spec.ttl_attribute == defaults["expiry_attr"].default


def test_the_readme_data_model_lists_every_table() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Data model", 1)[1].split("\n## ", 1)[0]
    for spec in resources.TABLES:
        assert f"| `{spec.logical}` |" in section, spec.logical
