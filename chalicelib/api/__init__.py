"""The HTTPS API's handlers: plain functions that ``app.py`` wires to routes."""
