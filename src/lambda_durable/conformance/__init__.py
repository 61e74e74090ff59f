"""Conformance: run the language-neutral requirement YAML files on the local backend.

Floors inside (imports point down): ``variables`` (placeholders, bindings) ->
``matcher`` (history, docs/protocol.md §10.2) and ``logs`` (§10.5) -> ``requirements`` (YAML
files) -> ``results`` (§10.3) and ``callbacks`` (§10.4 action choice) -> ``backend``
(Protocols) -> ``driver`` (settling an execution) -> ``handler_file``, ``report`` ->
``runner`` -> ``cli``. Only ``runner`` imports the local backend, and only its public API.
"""
