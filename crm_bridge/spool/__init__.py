"""The spool: writes the database could not take (it was locked, stopped or unreachable), kept on local
disk and replayed in order when it is back (``journal``: the file; ``replay``: the task; ``writes``: the
store writes that fall back to it)."""
