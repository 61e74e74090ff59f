"""The invocation room: loading handlers and running their invocations, in process or in a child process."""
