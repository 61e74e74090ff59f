"""One module per durable operation; ``DurableContext`` is the facade over them."""
