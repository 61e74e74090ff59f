"""lambda-durable: a type-checked, functional SDK for AWS Lambda durable functions.

Operations return ``returns`` containers (``Result[T, DurableError]``) and compose with
``bind``; a pending operation suspends the invocation instead of returning a value.
"""

from lambda_durable.batch import (
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CompletionConfig,
    CompletionReason,
    MapConfig,
    NestingType,
    ParallelConfig,
)
from lambda_durable.config import (
    CallbackConfig,
    ChildConfig,
    Duration,
    InvokeConfig,
    JitterStrategy,
    NoSerdes,
    PollingStrategy,
    RetryDecision,
    RetryFn,
    RetryStrategy,
    StepConfig,
    StepSemantics,
    WaitDecision,
    WaitForCallbackConfig,
    WaitForConditionConfig,
    WaitForConditionExhausted,
    WaitStrategy,
    WaitStrategyFn,
)
from lambda_durable.aio import AsyncCallback, AsyncDurableContext
from lambda_durable.context import DurableContext
from lambda_durable.context_basics import OperationIdentifier
from lambda_durable.errors import (
    BatchFailed,
    CallbackFailed,
    CallbackTimedOut,
    ChildContextFailed,
    DurableError,
    ExecutionFailed,
    InvalidArgument,
    InvokeFailed,
    InvokeTimedOut,
    NonDeterministicExecution,
    SerdesFailed,
    StepFailed,
    WaitForConditionFailed,
)
from lambda_durable.handler import DurableHandler, InvalidInvocationEvent, durable_handler
from lambda_durable.operations.callback import Callback
from lambda_durable.plugins import (
    DurablePlugin,
    InvocationInfo,
    InvocationStatus,
    OperationChangeInfo,
    OperationInfo,
    UserFunctionInfo,
    UserFunctionOutcome,
)
from lambda_durable.decisions.step import StepContext, StepFn
from lambda_durable.runtime.logger import Logger, LogInfo
from lambda_durable.serdes import SerDes, converter_serdes, default_converter
from lambda_durable.values import DurableValue
from lambda_durable.wire import ErrorObject, ExecutionStatus, OperationStatus, OperationType

__all__ = [
    "AsyncCallback",
    "AsyncDurableContext",
    "Callback",
    "CallbackConfig",
    "InvokeConfig",
    "PollingStrategy",
    "WaitDecision",
    "WaitForCallbackConfig",
    "WaitForConditionConfig",
    "WaitForConditionExhausted",
    "WaitStrategy",
    "WaitStrategyFn",
    "BatchItem",
    "BatchItemStatus",
    "BatchResult",
    "CompletionConfig",
    "CompletionReason",
    "MapConfig",
    "NestingType",
    "ParallelConfig",
    "BatchFailed",
    "CallbackFailed",
    "CallbackTimedOut",
    "ChildConfig",
    "ChildContextFailed",
    "Duration",
    "DurableContext",
    "DurableError",
    "DurableHandler",
    "DurablePlugin",
    "DurableValue",
    "ErrorObject",
    "ExecutionFailed",
    "ExecutionStatus",
    "InvalidArgument",
    "InvalidInvocationEvent",
    "InvocationInfo",
    "InvocationStatus",
    "InvokeFailed",
    "InvokeTimedOut",
    "JitterStrategy",
    "LogInfo",
    "Logger",
    "NoSerdes",
    "NonDeterministicExecution",
    "OperationChangeInfo",
    "OperationIdentifier",
    "OperationInfo",
    "OperationStatus",
    "OperationType",
    "RetryDecision",
    "RetryFn",
    "RetryStrategy",
    "SerDes",
    "SerdesFailed",
    "StepConfig",
    "StepContext",
    "StepFailed",
    "StepFn",
    "StepSemantics",
    "UserFunctionInfo",
    "UserFunctionOutcome",
    "WaitForConditionFailed",
    "converter_serdes",
    "default_converter",
    "durable_handler",
]
