"""Testing durable handlers: replay of saved histories (the pytest plugin is ``plugin``)."""

from lambda_durable.testing.history_doc import InvalidHistory
from lambda_durable.testing.replay import OperationIdentity, ReplayDivergence, ReplayEnd, ReplayReport, replay

__all__ = ["InvalidHistory", "OperationIdentity", "ReplayDivergence", "ReplayEnd", "ReplayReport", "replay"]
