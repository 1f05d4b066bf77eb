"""The agent desk's own commands and routes beyond call control: the transfer directory, the customer
chosen for a call, click-to-dial from the customer pages (issue 10, "desk clarity"); saving a wrap-up
(``dispositions.py``) and the pending wrap-ups list (``pending.py``)."""
