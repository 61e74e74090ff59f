"""The engine room: the service-side state machine of the durable-execution emulator and its SQLite store."""
