"""Conformance: run the language-neutral requirement YAML files on the local backend.

Floors inside (imports point down): ``variables`` (placeholders, bindings) ->
``matcher`` (history, EMULATOR.md §8.3) and ``logs`` (§8.6) -> ``requirements`` (YAML
files) -> ``results`` (§8.4) and ``callbacks`` (§8.5 action choice) -> ``backend``
(Protocols) -> ``driver`` (settling an execution) -> ``handler_file``, ``report`` ->
``runner`` -> ``cli``. Only ``runner`` imports the local backend, and only its public API.
"""
