"""The service's modelled error answers (docs/protocol.md §9.3), as ``ServiceError`` values."""

from __future__ import annotations

from lambda_durable.client import INVALID_TOKEN_PREFIX, ServiceError


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, 400)


def not_found(arn: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Durable execution not found: {arn}", 404)


def bad_token(detail: str) -> ServiceError:
    return invalid(f"{INVALID_TOKEN_PREFIX}: {detail}")


def callback_timed_out(callback_id: str) -> ServiceError:
    return ServiceError("CallbackTimeoutException", f"Callback {callback_id} has timed out.", 400)


def unknown_callback(callback_id: str) -> ServiceError:
    return invalid(f"Invalid callback id: no callback {callback_id[:64]!r} exists.")
