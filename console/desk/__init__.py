"""The agent desk's server side, one role per module (``pending.py``: the pending wrap-ups list)."""
