"""The ``serve`` room: the HTTP server speaking the Lambda REST API, and the pump driving its executions."""
