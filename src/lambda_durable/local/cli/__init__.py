"""The command-line room: the ``run``, ``serve`` and ``callback`` subcommands of ``lambda-durable``."""
