import pytest

from lambda_durable.client import ServiceError


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (ServiceError("InvalidParameterValueException", "Invalid Checkpoint Token: stale", 400), True),
        (ServiceError("InvalidParameterValueException", "Invalid parent operation id.", 400), False),
        (ServiceError("ResourceNotFoundException", "no such execution", 404), False),
        (ServiceError("TooManyRequestsException", "slow down", 429), True),
        (ServiceError("ServiceException", "boom", 500), True),
        (ServiceError("KMSDisabledException", "key disabled", 502), False),
        (ServiceError("EndpointConnectionError", "no route"), True),
    ],
)
def test_classification_follows_the_protocol(error: ServiceError, retryable: bool) -> None:
    assert error.retryable is retryable
