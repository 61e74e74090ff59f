"""The SDK's mypy plugin: decides, per call, whether a value can be checkpointed without a
serdes, and says where and why when it cannot.

Enable it next to the returns plugin::

    [mypy]
    plugins = returns.contrib.mypy.returns_plugin, lambda_durable.mypy_plugin

Without the plugin, the ``DurableOutput`` bound (``values.py``) is the check: sound, but
it cannot see that ``{"id": "o-1", "total": 42}`` (inferred ``dict[str, object]``) holds
only durable values, and it has no room for a TypedDict. With it, the bound is lifted at
the SDK's call sites and this module walks the value instead: the literal the user wrote
(element by element), or the declared type (through unions, containers, TypedDicts,
NamedTuples and the fields of attrs classes and dataclasses). Mypy imports this module;
the SDK never does. docs/typing.md lists what it accepts and what it cannot see.
"""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, TypeAlias, TypeVar

from mypy.checker import TypeChecker
from mypy.errorcodes import ErrorCode
from mypy.expandtype import expand_type, expand_type_by_instance
from mypy.maptype import map_instance_to_supertype
from mypy.messages import format_type_bare
from mypy.subtypes import is_same_type, is_subtype
from mypy.nodes import (
    CallExpr,
    DictExpr,
    DictionaryComprehension,
    Expression,
    LambdaExpr,
    ListComprehension,
    ListExpr,
    RefExpr,
    SetComprehension,
    SetExpr,
    StarExpr,
    StrExpr,
    TupleExpr,
    TypeInfo,
    Var,
)
from mypy.options import Options
from mypy.plugin import (
    CheckerPluginInterface,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeAliasType,
    TypedDictType,
    TypeOfAny,
    TypeVarType,
    UninhabitedType,
    UnionType,
    get_proper_type,
)

DURABLE_VALUE = ErrorCode(
    "durable-value", "Check that a value can be checkpointed without a serdes", "lambda-durable"
)

_BOUND = "lambda_durable.values.DurableOutput"
_NO_SERDES = "lambda_durable.config.NoSerdes"
_CONTEXT = "lambda_durable.context.DurableContext"
_WAIT_FOR_CONDITION_CONFIG = "lambda_durable.config.WaitForConditionConfig"

_SCALARS = frozenset(
    {
        "builtins.bool",
        "builtins.int",
        "builtins.float",
        "builtins.str",
        "datetime.datetime",
        "datetime.date",
        "decimal.Decimal",
        "uuid.UUID",
    }
)
_SEQUENCES = {
    "builtins.list": "list item",
    "builtins.tuple": "tuple item",
    "typing.Sequence": "sequence item",
}
_MAPPINGS = frozenset({"builtins.dict", "typing.Mapping"})
_SETS = frozenset({"builtins.set", "builtins.frozenset", "typing.AbstractSet"})
_DECLARED_DURABLE = frozenset({"attr.AttrsInstance", "_typeshed.DataclassInstance"})
"""The protocols ``DurableValue`` names: a type bounded by them was checked where it was built."""
_PYDANTIC_MODEL = "pydantic.main.BaseModel"
"""Stored as ``model_dump(mode="json")`` and validated back: its fields are pydantic's business."""
_CONTAINERS = ("returns.io.IOResult", "returns.io.IO", "returns.result.Result")
"""What a step body may return around its value (``step``'s later overloads)."""
_WRAPPERS = frozenset({"returns.result.Success", "returns.io.IO", "returns.io.IOSuccess"})
"""Calls a step or branch body may wrap its value in; the literal inside is the value."""

_LITERALS = (
    DictExpr,
    ListExpr,
    TupleExpr,
    SetExpr,
    ListComprehension,
    SetComprehension,
    DictionaryComprehension,
)
"""Expressions whose elements are checked one by one (mypy joins their types)."""
_WRITTEN_ANY = frozenset(
    {TypeOfAny.explicit, TypeOfAny.from_unimported_type, TypeOfAny.from_omitted_generics}
)
_UNKNOWN = "declare the type: an unknown value is not durable"


_Path = tuple[str, ...]
_Seen = frozenset[object]
_C = TypeVar("_C")
_R = TypeVar("_R")
_Hook: TypeAlias = Callable[[_C], _R] | None


class Problem(NamedTuple):
    """The first non-durable part of a value: where it is, its type, and why (if not obvious)."""

    path: _Path
    type: Type
    reason: str = ""


class Site(NamedTuple):
    """One SDK call whose value must be durable unless a serdes was given."""

    what: str
    """What the value is, for the message ("step output")."""
    fix: str
    """How to give the value a codec of its own (which admits any type)."""
    value_arg: str | None
    """The parameter whose expression produces the value: a body (``fn``), a list of
    bodies (``branches``) or the value itself."""
    output_path: tuple[int, ...]
    """Type-argument indices from the call's return type down to the value's type; empty
    for the ``value_arg``'s own type."""
    config_slot: int | None
    """Which type argument of the ``config`` argument is the serdes' type (``None``: no config)."""


_STEP = f"{_CONTEXT}.step"
_AS_PARALLEL = "use ctx.parallel(..., config=ParallelConfig(item_serdes=...))"
_METHODS: dict[str, tuple[Site, ...]] = {
    _STEP: (Site("step output", "pass StepConfig(serdes=...)", "fn", (0,), 0),),
    f"{_CONTEXT}.run_in_child_context": (
        Site("child context result", "pass ChildConfig(serdes=...)", "fn", (0,), 0),
    ),
    f"{_CONTEXT}.map": (Site("map item result", "pass MapConfig(item_serdes=...)", "fn", (0, 0), 1),),
    f"{_CONTEXT}.parallel": (
        Site("branch result", "pass ParallelConfig(item_serdes=...)", "branches", (0, 0), 0),
    ),
    f"{_CONTEXT}.all": (Site("branch result", _AS_PARALLEL, "branches", (0, 0), None),),
    f"{_CONTEXT}.any": (Site("branch result", _AS_PARALLEL, "branches", (0,), None),),
    f"{_CONTEXT}.race": (Site("branch result", _AS_PARALLEL, "branches", (0,), None),),
    f"{_CONTEXT}.all_settled": (Site("branch result", _AS_PARALLEL, "branches", (0, 0), None),),
    f"{_CONTEXT}.invoke": (
        Site("invoke payload", "pass InvokeConfig(payload_serdes=...)", "payload", (), 0),
        Site("invoke result", "pass InvokeConfig(result_serdes=...)", None, (0,), 1),
    ),
    f"{_CONTEXT}.create_callback": (
        Site("callback result", "pass CallbackConfig(serdes=...)", None, (0, 0), 0),
    ),
    f"{_CONTEXT}.wait_for_callback": (
        Site("callback result", "pass WaitForCallbackConfig(serdes=...)", None, (0,), 0),
    ),
}
_FUNCTIONS: dict[str, tuple[Site, ...]] = {
    _WAIT_FOR_CONDITION_CONFIG: (
        Site(
            "wait_for_condition state",
            "use WaitForConditionConfig.with_serdes(state, strategy, serdes)",
            "initial_state",
            (0,),
            None,
        ),
    ),
}


class DurableValuePlugin(Plugin):
    """Lifts the ``DurableOutput`` bound at the SDK's call sites and checks the value."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._extra = _configured_durable_types(options.config_file)

    def report_config_data(self, ctx: ReportConfigContext) -> list[str]:
        """``durable_types`` decides errors: a change re-checks every module."""
        return sorted(self._extra)

    def get_method_signature_hook(self, fullname: str) -> _Hook[MethodSigContext, FunctionLike]:
        return _lift_bound_of_method if fullname in _METHODS else None

    def get_function_signature_hook(self, fullname: str) -> _Hook[FunctionSigContext, FunctionLike]:
        return _lift_bound_of_function if fullname in _FUNCTIONS else None

    def get_method_hook(self, fullname: str) -> _Hook[MethodContext, Type]:
        if fullname == _STEP:
            return self._check_step
        sites = _METHODS.get(fullname)
        if sites is None:
            return None
        return lambda ctx: self._check(ctx, sites)

    def get_function_hook(self, fullname: str) -> _Hook[FunctionContext, Type]:
        sites = _FUNCTIONS.get(fullname)
        if sites is None:
            return None
        return lambda ctx: self._check(ctx, sites)

    def _check_step(self, ctx: MethodContext) -> Type:
        """With the bound lifted, ``step``'s first overload takes every body, so a body that
        returns an ``IOResult``, ``IO`` or ``Result`` is typed here as the later overloads
        (which mypy only reaches without the plugin) would type it."""
        returned = get_proper_type(ctx.default_return_type)
        output = _type_argument(returned, (0,))
        unwrapped = _unwrap(output, ctx.api) if output is not None else None
        if not isinstance(returned, Instance) or unwrapped is None:
            return self._check(ctx, _METHODS[_STEP])
        value, failure = unwrapped
        if failure is not None:
            shown = format_type_bare(failure, ctx.api.options)
            message = f'a step body\'s Failure must hold an Exception, not "{shown}"'
            ctx.api.fail(message, ctx.context, code=DURABLE_VALUE)
            return ctx.default_return_type
        typed = returned.copy_modified(args=[value, *returned.args[1:]])
        return self._check(ctx._replace(default_return_type=typed), _METHODS[_STEP])

    def _check(self, ctx: MethodContext | FunctionContext, sites: tuple[Site, ...]) -> Type:
        for site in sites:
            if _serdes_given(ctx, site.config_slot):
                continue
            problem = _Walker(ctx.api, self._extra).site(ctx, site)
            if problem is not None:
                ctx.api.fail(_message(site, problem, ctx.api.options), ctx.context, code=DURABLE_VALUE)
        return ctx.default_return_type


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return DurableValuePlugin


# --- lifting the bound ------------------------------------------------------------------


def _lift_bound_of_method(ctx: MethodSigContext) -> FunctionLike:
    return _lift_bound(ctx.default_signature, ctx.api)


def _lift_bound_of_function(ctx: FunctionSigContext) -> FunctionLike:
    return _lift_bound(ctx.default_signature, ctx.api)


def _lift_bound(signature: CallableType, api: CheckerPluginInterface) -> CallableType:
    """The signature with ``DurableOutput`` unbounded: the method hook checks the value."""
    bound = next((v for v in signature.variables if v.fullname == _BOUND), None)
    if not isinstance(bound, TypeVarType):
        return signature
    free = bound.copy_modified(upper_bound=api.named_generic_type("builtins.object", []))
    lifted = expand_type(signature, {bound.id: free})
    assert isinstance(lifted, CallableType)
    return lifted.copy_modified(variables=[free if v.id == bound.id else v for v in signature.variables])


# --- which calls to check -----------------------------------------------------------------


def _argument(ctx: MethodContext | FunctionContext, name: str) -> tuple[list[Type], list[Expression]]:
    if name not in ctx.callee_arg_names:
        return [], []
    index = ctx.callee_arg_names.index(name)
    return ctx.arg_types[index], ctx.args[index]


def _serdes_given(ctx: MethodContext | FunctionContext, slot: int | None) -> bool:
    """True when the call's ``config`` carries a codec for the value (then any type goes)."""
    if slot is None:
        return False
    types, _ = _argument(ctx, "config")
    for config in types:
        for item in _union_items(config):
            if isinstance(item, Instance) and len(item.args) > slot:
                serdes = get_proper_type(item.args[slot])
                if not (isinstance(serdes, Instance) and serdes.type.fullname == _NO_SERDES):
                    return True
    return False


def _union_items(typ: Type) -> list[ProperType]:
    proper = get_proper_type(typ)
    if isinstance(proper, UnionType):
        return [get_proper_type(item) for item in proper.items]
    return [proper]


def _type_argument(typ: Type, path: tuple[int, ...]) -> Type | None:
    for index in path:
        proper = get_proper_type(typ)
        if not isinstance(proper, Instance) or len(proper.args) <= index:
            return None
        typ = proper.args[index]
    return typ


def _unwrap(typ: Type, api: CheckerPluginInterface) -> tuple[Type, Type | None] | None:
    """A returns container's value type, and its failure type if that is no Exception;
    None for any other type."""
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance):
        return None
    base = next((info for info in proper.type.mro if info.fullname in _CONTAINERS), None)
    if base is None:
        return None
    args = map_instance_to_supertype(proper, base).args
    if len(args) < 2:
        return args[0], None
    failure = get_proper_type(args[1])
    exception = api.named_generic_type("builtins.Exception", [])
    if isinstance(failure, (AnyType, UninhabitedType)) or is_subtype(failure, exception):
        return args[0], None
    return args[0], failure


def _body(expr: Expression) -> Expression | None:
    """The expression a lambda returns, out of ``Success(...)``/``IO(...)``; else None."""
    if not isinstance(expr, LambdaExpr):
        return None
    value = expr.expr()
    while (
        isinstance(value, CallExpr)
        and isinstance(value.callee, RefExpr)
        and value.callee.fullname in _WRAPPERS
        and len(value.args) == 1
    ):
        value = value.args[0]
    return value


def _is_literal(expr: Expression) -> bool:
    return isinstance(expr, _LITERALS)


# --- walking a value ------------------------------------------------------------------------


class _Walker:
    """Finds the first part of a value that the default codec cannot checkpoint."""

    def __init__(self, api: CheckerPluginInterface, extra: frozenset[str]) -> None:
        self._api = api
        self._extra = extra

    def site(self, ctx: MethodContext | FunctionContext, site: Site) -> Problem | None:
        types, exprs = _argument(ctx, site.value_arg) if site.value_arg else ([], [])
        output = _type_argument(ctx.default_return_type, site.output_path) if site.output_path else None
        if site.value_arg == "fn" and exprs and output is not None:
            return self._body(exprs[0], output)
        if site.value_arg == "branches" and exprs and output is not None:
            if isinstance(exprs[0], (ListExpr, TupleExpr)):
                branches = exprs[0].items
                return _first(self._body(body, self._branch_output(body) or output) for body in branches)
            return self.type(output)
        if types and exprs:  # the value itself
            own = types[0]
            if _is_literal(exprs[0]):
                problem = self.value(exprs[0], own)
                if problem is not None or output is None or is_same_type(output, own):
                    return problem
            return self.type(output if output is not None else own)
        return None if output is None else self.type(output)

    def _body(self, body: Expression, output: Type) -> Problem | None:
        """A body's value: the literal it returns, if it is a lambda that returns one, else
        its output type."""
        value = _body(body)
        if value is not None and _is_literal(value):
            return self.value(value, self._lookup(value) or output)
        return self.type(output)

    def _branch_output(self, branch: Expression) -> Type | None:
        """What one branch of a list returns inside its ``Result`` (the call's output type
        is the join of all branches, often ``object``)."""
        callable_type = get_proper_type(self._lookup(branch))
        if isinstance(callable_type, CallableType):
            return _type_argument(callable_type.ret_type, (0,))
        return None

    def _lookup(self, expr: Expression | None) -> Type | None:
        """The type mypy gave ``expr`` in this call (an element of a literal has its own)."""
        if expr is None or not isinstance(self._api, TypeChecker):
            return None
        return self._api.lookup_type_or_none(expr)

    # -- literals: each element is checked with its own type ----------------------------------

    def value(self, expr: Expression, typ: Type, path: _Path = ()) -> Problem | None:
        if isinstance(expr, DictExpr):
            return _first(self._dict_item(key, value, typ, path) for key, value in expr.items)
        if isinstance(expr, (ListExpr, TupleExpr, SetExpr)):
            return _first(self._item(expr, i, item, typ, path) for i, item in enumerate(expr.items))
        if isinstance(expr, (ListComprehension, SetComprehension)):
            label = "set item" if isinstance(expr, SetComprehension) else "list item"
            in_set = isinstance(expr, SetComprehension)
            return self._element(expr.generator.left_expr, _type_argument(typ, (0,)), path + (label,), in_set)
        if isinstance(expr, DictionaryComprehension):
            return self.key(self._lookup(expr.key), path) or self._element(
                expr.value, _type_argument(typ, (1,)), path + ("dict value",)
            )
        found = self._lookup(expr)
        return self.type(found if found is not None else typ, path)

    def _dict_item(
        self, key: Expression | None, value: Expression, typ: Type, path: _Path
    ) -> Problem | None:
        if key is None:  # ``**other``: a mapping whose entries join this one
            found = self._lookup(value)
            if _is_literal(value):
                return self.value(value, found or typ, path)
            return self.type(found or typ, path)
        label = f'dict value "{key.value}"' if isinstance(key, StrExpr) else "dict value"
        value_type = _type_argument(typ, (1,))
        return self.key(self._lookup(key), path) or self._element(value, value_type, path + (label,))

    def _item(
        self,
        literal: ListExpr | TupleExpr | SetExpr,
        index: int,
        item: Expression,
        typ: Type,
        path: _Path,
    ) -> Problem | None:
        if isinstance(literal, TupleExpr):
            proper = get_proper_type(typ)
            element = None
            if isinstance(proper, TupleType) and index < len(proper.items):
                element = proper.items[index]
            label = f"tuple item {index}"
        else:
            element = _type_argument(typ, (0,))
            label = "set item" if isinstance(literal, SetExpr) else "list item"
        if isinstance(item, StarExpr):  # ``*others``: their items join this literal
            return self._element(None, element, path + (label,), isinstance(literal, SetExpr))
        return self._element(item, element, path + (label,), isinstance(literal, SetExpr))

    def _element(
        self, expr: Expression | None, fallback: Type | None, path: _Path, in_set: bool = False
    ) -> Problem | None:
        found = self._lookup(expr)
        typ = found if found is not None else fallback
        if typ is None:
            return None
        if in_set:
            return self.scalar(typ, path)
        if expr is not None and _is_literal(expr):
            return self.value(expr, typ, path)
        return self.type(typ, path)

    # -- declared types ---------------------------------------------------------------------

    def type(self, typ: Type, path: _Path = (), seen: _Seen = frozenset()) -> Problem | None:
        if isinstance(typ, TypeAliasType):
            if typ.alias in seen:  # a recursive alias: this level is being checked already
                return None
            seen = seen | {typ.alias}
        proper = get_proper_type(typ)
        if isinstance(proper, (NoneType, UninhabitedType)):
            return None
        if isinstance(proper, AnyType):
            return Problem(path, proper, _UNKNOWN) if _written(proper) else None
        if isinstance(proper, LiteralType):
            return self.type(proper.fallback, path, seen)
        if isinstance(proper, UnionType):
            return _first(self.type(item, path, seen) for item in proper.items)
        if isinstance(proper, TypeVarType):
            return self._type_variable(proper, path, seen)
        if isinstance(proper, TupleType):
            return self._tuple(proper, path, seen)
        if isinstance(proper, TypedDictType):
            name = proper.fallback.type.name
            items = proper.items.items()
            return _first(self.type(item, path + (f'key "{key}" of {name}',), seen) for key, item in items)
        if isinstance(proper, Instance):
            return self._instance(proper, path, seen)
        return Problem(path, proper)

    def _type_variable(self, var: TypeVarType, path: _Path, seen: _Seen) -> Problem | None:
        if var.values:
            return _first(self.type(value, path, seen) for value in var.values)
        bound = get_proper_type(var.upper_bound)
        if isinstance(bound, Instance) and bound.type.fullname == "builtins.object":
            return Problem(path, var, "bound the type variable by lambda_durable.DurableValue")
        return self.type(var.upper_bound, path, seen)

    def _tuple(self, tup: TupleType, path: _Path, seen: _Seen) -> Problem | None:
        info = tup.partial_fallback.type
        if info.is_named_tuple:
            names = [name for name in info.metadata.get("namedtuple", {}).get("fields", [])]
            if len(names) == len(tup.items):
                labels = [f'field "{name}" of {info.name}' for name in names]
                fields = zip(labels, tup.items)
                return _first(self.type(item, path + (label,), seen) for label, item in fields)
        return _first(self.type(item, path + (f"tuple item {i}",), seen) for i, item in enumerate(tup.items))

    def _instance(self, inst: Instance, path: _Path, seen: _Seen) -> Problem | None:
        info = inst.type
        name = info.fullname
        if name in _SCALARS or info.is_enum or name in _DECLARED_DURABLE or name in self._extra:
            return None
        if info.has_base(_PYDANTIC_MODEL):
            return None
        if name == "builtins.object":
            return Problem(path, inst, _UNKNOWN)
        if info.is_newtype and info.bases:
            return self.type(info.bases[0], path, seen)
        if name in _SEQUENCES and inst.args:
            return self.type(inst.args[0], path + (_SEQUENCES[name],), seen)
        if name in _MAPPINGS and len(inst.args) == 2:
            return self.key(inst.args[0], path) or self.type(inst.args[1], path + ("dict value",), seen)
        if name in _SETS and inst.args:
            return self.scalar(inst.args[0], path + ("set item",))
        if info in seen:  # a recursive class: its fields are being checked already
            return None
        fields = list(_fields(inst))
        if not fields:
            return Problem(path, inst)
        inside = seen | {info}
        labelled = ((f'field "{field}" of {info.name}', typ) for field, typ in fields)
        return _first(self.type(typ, path + (label,), inside) for label, typ in labelled)

    def key(self, typ: Type | None, path: _Path) -> Problem | None:
        """A mapping key: JSON object keys are strings."""
        if typ is None:
            return None
        for item in _union_items(typ):
            if isinstance(item, LiteralType):
                item = item.fallback
            if isinstance(item, AnyType) and not _written(item):
                continue
            text = isinstance(item, Instance) and item.type.has_base("builtins.str") and not item.type.is_enum
            if not text:
                return Problem(path + ("dict key",), item, "JSON object keys are str")
        return None

    def scalar(self, typ: Type, path: _Path) -> Problem | None:
        """A set element: sets hold durable scalars only."""
        for item in _union_items(typ):
            if isinstance(item, LiteralType):
                item = item.fallback
            while isinstance(item, Instance) and item.type.is_newtype and item.type.bases:
                item = item.type.bases[0]
            if isinstance(item, NoneType) or (
                isinstance(item, Instance) and (item.type.fullname in _SCALARS or item.type.is_enum)
            ):
                continue
            if isinstance(item, AnyType) and not _written(item):
                continue
            return Problem(path, item, "sets hold durable scalars only")
        return None


def _written(any_type: AnyType) -> bool:
    """An ``Any`` someone wrote (an annotation, a stub, a missing type argument), as opposed
    to one mypy made up while inferring (a lambda checked before its context was known)
    or left after another error."""
    source = any_type.source_any if any_type.type_of_any == TypeOfAny.from_another_any else any_type
    return source is not None and source.type_of_any in _WRITTEN_ANY


def _fields(inst: Instance) -> Iterator[tuple[str, Type]]:
    """The fields of an attrs class or dataclass, typed for this instance's type arguments."""
    info = inst.type
    metadata = info.metadata.get("attrs") or info.metadata.get("dataclass")
    if metadata is None:
        return
    for attribute in metadata.get("attributes", []):
        name = attribute["name"]
        node = info.get(name)
        var = node.node if node is not None else None
        if not isinstance(var, Var) or var.type is None:
            yield name, AnyType(TypeOfAny.unannotated)
            continue
        owner: TypeInfo = var.info
        yield name, expand_type_by_instance(var.type, map_instance_to_supertype(inst, owner))


def _first(problems: Iterator[Problem | None]) -> Problem | None:
    return next((p for p in problems if p is not None), None)


def _message(site: Site, problem: Problem, options: Options) -> str:
    where = " > ".join(problem.path)
    shown = format_type_bare(problem.type, options)
    reason = f" ({problem.reason})" if problem.reason else ""
    return (
        f"{site.what} is not durable: {where + ': ' if where else ''}{shown}{reason}. "
        "Use JSON data, attrs classes, dataclasses, TypedDicts or NamedTuples, "
        f"or {site.fix}"
    )


# --- configuration -------------------------------------------------------------------------


def _configured_durable_types(config_file: str | None) -> frozenset[str]:
    """Types the user's converter has hooks for, from ``durable_types`` in the mypy config
    (``[lambda_durable.mypy_plugin]`` in an ini file, ``[tool.lambda_durable.mypy_plugin]``
    in pyproject.toml): comma-separated full names."""
    if config_file is None:
        return frozenset()
    if config_file.endswith(".toml"):
        with open(config_file, "rb") as toml_file:
            table = tomllib.load(toml_file).get("tool", {}).get("lambda_durable", {}).get("mypy_plugin", {})
        raw = table.get("durable_types", [])
        names: Sequence[str] = raw.split(",") if isinstance(raw, str) else raw
    else:
        parser = configparser.ConfigParser()
        parser.read(config_file)
        names = parser.get("lambda_durable.mypy_plugin", "durable_types", fallback="").split(",")
    return frozenset(name.strip() for name in names if name.strip())
