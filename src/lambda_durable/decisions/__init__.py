"""Pure decisions: what each durable operation does, given the log and an attempt's outcome.

Nothing here performs I/O, calls user code or touches the checkpointer: a decision takes
the operation's slot (its id and what the log holds there) and answers with data, "replay
this Result", "suspend", "run attempt n after sending this update", "send these updates
and return this Result". The drivers (``operations/`` for the synchronous API) perform
those answers; another driver (threads, asyncio) reuses the same decisions unchanged.
"""
