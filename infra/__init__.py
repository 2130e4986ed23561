"""The CDK app (``app.py``) and its constructs (``streamfeed_infra``)."""
