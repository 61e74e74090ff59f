"""Opaque identifiers the service hands out: ARNs, checkpoint tokens, state markers.

Tokens are base64 (the model's alphabet) of ``executionId:invocation:sequence`` so the
service can tell a stale token (older sequence or invocation) from a foreign one.
"""

from __future__ import annotations

import base64
import binascii

from attrs import frozen

ACCOUNT = "123456789012"
REGION = "us-east-1"
QUALIFIER = "$LATEST"


def execution_arn(function_name: str, execution_name: str, execution_id: str) -> str:
    return (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}:{QUALIFIER}"
        f"/durable-execution/{execution_name}/{execution_id}"
    )


def function_arn(function_name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}:{QUALIFIER}"


@frozen
class TokenClaims:
    execution_id: str
    invocation: int
    sequence: int


def encode_token(claims: TokenClaims) -> str:
    raw = f"{claims.execution_id}:{claims.invocation}:{claims.sequence}".encode()
    return base64.b64encode(raw).decode("ascii")


def decode_token(token: str) -> TokenClaims | None:
    """The claims of a token this service issued, or None for anything else."""
    try:
        text = base64.b64decode(token.encode("ascii"), validate=True).decode("utf-8")
        execution_id, invocation, sequence = text.rsplit(":", 2)
        return TokenClaims(execution_id, invocation=int(invocation), sequence=int(sequence))
    except (ValueError, UnicodeError, binascii.Error):
        return None


def encode_marker(invocation: int, index: int) -> str:
    return f"{invocation}:{index}"


def decode_marker(marker: str) -> tuple[int, int] | None:
    try:
        invocation, index = marker.split(":")
        return int(invocation), int(index)
    except ValueError:
        return None
