"""The HTTPS API served locally: Chalice's app behind an API Gateway stand-in."""
