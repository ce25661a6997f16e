"""``python -m dedup``: the same as the ``dedup`` command."""

from .cli import app

app(prog_name="dedup")
