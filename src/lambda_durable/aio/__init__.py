"""The async API: ``AsyncDurableContext`` for ``async def`` handlers, and its drivers.

Each module here is the asynchronous twin of one in ``operations/``: it takes the
operation's id when the operation is called, asks the same decisions (``decisions/``)
and performs them without blocking the event loop."""

from lambda_durable.aio.callback import AsyncCallback
from lambda_durable.aio.context import AsyncDurableContext
from lambda_durable.aio.step import StepCancelled

__all__ = ["AsyncCallback", "AsyncDurableContext", "StepCancelled"]
