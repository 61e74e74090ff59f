"""The port to the durable-execution service: a Protocol plus the boto3 adapter.

The SDK only ever calls ``checkpoint`` and ``get_execution_state``. Every call returns
a ``Result`` so the caller decides what a failure means (docs/protocol.md §4.5): a
retryable ``ServiceError`` ends the invocation with an error Lambda retries, a
non-retryable one fails the execution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable.wire import (
    PYTHON,
    CheckpointOutput,
    ExecutionStatePage,
    OperationUpdate,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

_KMS_ERRORS = frozenset(
    {
        "KMSAccessDeniedException",
        "KMSDisabledException",
        "KMSInvalidStateException",
        "KMSNotFoundException",
    }
)
INVALID_TOKEN_PREFIX = "Invalid Checkpoint Token"


@frozen
class ServiceError:
    """An error answer from the service (or no answer at all: ``http_status`` None)."""

    code: str
    message: str
    http_status: int | None = None

    @property
    def retryable(self) -> bool:
        """docs/protocol.md §4.5: only a definite client error (4xx but 429) is final,
        except a stale checkpoint token; KMS errors are final whatever their status."""
        if self.code in _KMS_ERRORS:
            return False
        status = self.http_status
        if status is not None and 400 <= status < 500 and status != 429:
            stale_token = self.code == "InvalidParameterValueException" and self.message.startswith(
                INVALID_TOKEN_PREFIX
            )
            return stale_token
        return True

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class DurableServiceClient(Protocol):
    """What the SDK needs from the service. The local backend implements it in-process."""

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
    ) -> Result[CheckpointOutput, ServiceError]: ...

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> Result[ExecutionStatePage, ServiceError]: ...


def injected_client(lambda_context: object) -> DurableServiceClient | None:
    """The client a local invoker attached to the Lambda context, if any."""
    found: Any = getattr(lambda_context, "durable_service_client", None)
    return found if found is not None and hasattr(found, "checkpoint") else None


class Boto3ServiceClient:
    """Adapter over a boto3 ``lambda`` client (real AWS, or any endpoint_url).

    The default client honours ``AWS_ENDPOINT_URL_LAMBDA`` like every boto3 client,
    which is how a handler reaches a local ``serve`` process.
    """

    def __init__(self, client: LambdaClient) -> None:
        self._client = client

    @classmethod
    def default(cls) -> Boto3ServiceClient:
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=5, read_timeout=50, user_agent_extra="lambda-durable/0.1.0")
        return cls(boto3.client("lambda", config=config))

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
    ) -> Result[CheckpointOutput, ServiceError]:
        request: dict[str, Any] = {
            "DurableExecutionArn": durable_execution_arn,
            "CheckpointToken": checkpoint_token,
            "Updates": [PYTHON.encode(u) for u in updates],
        }
        return self._call("checkpoint_durable_execution", request).bind(
            lambda body: _decoded(CheckpointOutput, body)
        )

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> Result[ExecutionStatePage, ServiceError]:
        request: dict[str, Any] = {
            "DurableExecutionArn": durable_execution_arn,
            "CheckpointToken": checkpoint_token,
            "Marker": marker,
            "MaxItems": max_items,
        }
        return self._call("get_durable_execution_state", request).bind(
            lambda body: _decoded(ExecutionStatePage, body)
        )

    def _call(self, method: str, request: dict[str, Any]) -> Result[dict[str, Any], ServiceError]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = getattr(self._client, method)(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return Failure(
                ServiceError(
                    code=str(error.get("Code", "Unknown")),
                    message=str(error.get("Message", str(exc))),
                    http_status=status,
                )
            )
        except BotoCoreError as exc:
            return Failure(ServiceError(code=type(exc).__name__, message=str(exc)))
        return Success(response)


def _decoded(cls: type[Any], body: dict[str, Any]) -> Result[Any, ServiceError]:
    return PYTHON.decode(cls, body).alt(
        lambda err: ServiceError(code="MalformedResponse", message=str(err))
    )
