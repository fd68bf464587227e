"""How every spec and props class of the patterns checks what it is given, on both clouds (no cdktf import).

A class decorated with :func:`checked` is a frozen dataclass whose constructor checks each prop against its
type hint and its :func:`prop` rule (range, choices, pattern) before the class's own ``__post_init__`` checks
how props fit together. Every problem raises :class:`PropError` in one format, under 200 characters::

    ServiceSpec('api').port: must be a whole number from 1 to 65535, got '8080'
    ServiceSpec('api'): unknown prop 'memory_mb', did you mean 'memory_mib'?

A prop renamed in a release stays accepted under its old name for one more release (:class:`Renamed`), with a
``DeprecationWarning`` that names the new one.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import functools
import ipaddress
import re
import types
import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, Union

#: The longest message a prop check raises (a longer value is cut short).
MAX_MESSAGE_LENGTH = 200
#: "No value given" (the prop's own value is shown).
MISSING: Any = dataclasses.MISSING
_TOKEN = re.compile(r"\$\{TfToken\[|#\{TfToken\[")
_META = "constructs_lib.props"


class PropError(ValueError, TypeError):
    """A prop of a spec is missing, unknown, of the wrong type or out of range.

    A ``ValueError`` (a bad value) and a ``TypeError`` (a bad call) at once, so callers catching either see it.
    """


def is_reference(value: object) -> bool:
    """True for a string holding a cdktf token (a value Terraform knows only when it applies)."""
    return isinstance(value, str) and _TOKEN.search(value) is not None


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters with ``...`` (a long tuple of specs is not worth printing)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Shown(str):
    """A value shown as it reads, without quotes, e.g. ``Shown("ServiceSpec('web')")``."""

    def __repr__(self) -> str:
        return str(self)


def label_of(spec: object) -> str:
    """How messages name a spec: its ``label`` if it has one, ``ServiceSpec('api')`` when it has a name, else its
    class, e.g. ``HealthCheck``."""
    label = getattr(spec, "label", None)
    if isinstance(label, str):
        return label
    name = getattr(spec, "name", None)
    cls = spec if isinstance(spec, type) else type(spec)
    return f"{cls.__name__}({name!r})" if isinstance(name, str) and not isinstance(spec, type) else cls.__name__


def message(owner: str, prop: str | None, rule: str, value: object = dataclasses.MISSING) -> str:
    """``<owner>.<prop>: must <rule>, got <value>`` (``must`` added when the rule lacks it), cut to fit."""
    rule = rule if rule.startswith(("must ", "needs ", "is ")) else f"must {rule}"
    head = f"{owner}.{prop}: {rule}" if prop else f"{owner}: {rule}"
    if value is dataclasses.MISSING:
        return head[:MAX_MESSAGE_LENGTH]
    room = max(20, MAX_MESSAGE_LENGTH - len(head) - len(", got "))
    return f"{head}, got {short_repr(value, room)}"[:MAX_MESSAGE_LENGTH]


def fail(spec: object, prop: str | None, rule: str, *, owner: str | None = None, value: Any = dataclasses.MISSING) -> typing.NoReturn:
    """Raises :class:`PropError` for ``spec.<prop>`` (its current value unless ``value`` is given)."""
    if value is dataclasses.MISSING and prop is not None:
        value = getattr(spec, prop, dataclasses.MISSING)
    raise PropError(message(owner or label_of(spec), prop, rule, value))


def require(condition: bool, spec: object, prop: str | None, rule: str, *, owner: str | None = None,
            value: Any = dataclasses.MISSING) -> None:
    """:func:`fail` unless ``condition`` holds."""
    if not condition:
        fail(spec, prop, rule, owner=owner, value=value)


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a :func:`prop` allows beyond its type: a range, a set of choices, or a text pattern."""

    low: float | None = None
    high: float | None = None
    choices: tuple[object, ...] = ()
    pattern: re.Pattern[str] | None = None
    text: str | None = None


def prop(default: Any = dataclasses.MISSING, *, default_factory: Callable[[], Any] | None = None,
         between: tuple[float | None, float | None] | None = None, choices: Sequence[object] = (),
         pattern: re.Pattern[str] | None = None, rule: str | None = None) -> Any:
    """A dataclass field with a rule checked with its type: ``between=(low, high)`` (inclusive, either ``None``),
    ``choices``, or ``pattern`` (text, except Terraform references); ``rule`` replaces the generated wording."""
    low, high = between or (None, None)
    metadata = {_META: Rule(low, high, tuple(choices), pattern, rule)}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Renamed:
    """An old prop name accepted for one more release: its value becomes ``new`` (through ``convert``, which may
    also read the other props given, e.g. to fold ``min_instances`` into ``scaling``)."""

    new: str
    convert: Callable[[Any, dict[str, Any]], Any] | None = None
    #: Only values it holds for are old (for a prop that keeps its name but changes its type or unit).
    when: Callable[[Any], bool] | None = None
    #: What the warning says instead of "use <new>", e.g. for a prop that keeps its name.
    note: str | None = None


_Spec = TypeVar("_Spec", bound=type)


@typing.dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, prop))
def checked(cls: _Spec | None = None, *, renamed: Mapping[str, Renamed] | None = None,
            coerce: Mapping[str, Callable[[Any], Any]] | None = None) -> Any:
    """Makes ``cls`` a frozen dataclass whose constructor checks every prop (see the module docstring).

    ``renamed``: old prop names still accepted (with a warning); ``coerce``: documented shorthands turned into the
    prop's type before the check, e.g. one domain given as text for a tuple of domains.
    """
    def wrap(target: type) -> type:
        spec = dataclasses.dataclass(frozen=True)(target) if "__dataclass_fields__" not in target.__dict__ else target
        original = spec.__init__
        aliases = dict(renamed or {})
        shorthands = dict(coerce or {})

        @functools.wraps(original)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            kwargs = _apply_renames(spec, aliases, kwargs)
            values = _bind(spec, aliases, args, kwargs)
            values.update({name: shorthand(values[name]) for name, shorthand in shorthands.items() if name in values})
            owner = _owner(spec, values)
            for field in dataclasses.fields(spec):
                if field.init and field.name in values:
                    hint = _hints(spec)[field.name]
                    check_value(owner, field.name, values[field.name], hint, field.metadata.get(_META))
                    values[field.name] = _normalized(values[field.name], hint)
            original(self, **values)

        spec.__init__ = __init__  # type: ignore[misc]
        spec.__checked__ = True  # type: ignore[attr-defined]
        return spec

    return wrap(cls) if cls is not None else wrap


def _apply_renames(spec: type, aliases: Mapping[str, Renamed], kwargs: dict[str, Any]) -> dict[str, Any]:
    old = [name for name in kwargs if name in aliases
           and (aliases[name].when is None or aliases[name].when(kwargs[name]))]
    if not old:
        return kwargs
    kwargs = dict(kwargs)
    for name in old:
        alias = aliases[name]
        value = kwargs.pop(name)
        warnings.warn(f"{spec.__name__}.{name} {alias.note or f'is deprecated: use {alias.new}'} (CHANGELOG.md, 0.3.0)",
                      DeprecationWarning, stacklevel=3)
        converted = alias.convert(value, kwargs) if alias.convert is not None else value
        if alias.new in kwargs and alias.new != name and alias.convert is None:
            raise PropError(f"{spec.__name__}: give {alias.new} or its old name {name}, not both")
        kwargs[alias.new] = converted
    return kwargs


def _bind(spec: type, aliases: Mapping[str, Renamed], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The props a call gives, by name; a PropError for an unknown, repeated or missing one."""
    fields = [field for field in dataclasses.fields(spec) if field.init]
    names = [field.name for field in fields]
    if len(args) > len(names):
        raise PropError(f"{spec.__name__}: takes at most {len(names)} props by position, got {len(args)}")
    values = dict(zip(names, args))
    for name, value in kwargs.items():
        if name not in names:
            nearest = difflib.get_close_matches(name, names + list(aliases), n=1, cutoff=0.5)
            hint = f", did you mean {nearest[0]!r}?" if nearest else f" (props: {', '.join(names)})"
            text = f"{_owner(spec, {**values, **kwargs})}: unknown prop {short_repr(name, 40)}{hint}"
            raise PropError(text if len(text) <= MAX_MESSAGE_LENGTH else text[: MAX_MESSAGE_LENGTH - 4] + "...)")
        if name in values:
            raise PropError(f"{_owner(spec, values)}: {name} given twice")
        values[name] = value
    missing = [field.name for field in fields if field.name not in values
               and field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING]
    if missing:
        raise PropError(f"{_owner(spec, values)}: needs {', '.join(missing)}")
    return values


def _normalized(value: Any, hint: Any) -> Any:
    """A list given for a tuple prop as a tuple, a mapping as a dict of its own (the spec is frozen)."""
    origin = typing.get_origin(_optional(hint)[0])
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    if origin in (Mapping, dict, typing.Mapping) and isinstance(value, Mapping):
        return dict(value)
    return value


def _owner(spec: type, values: Mapping[str, Any]) -> str:
    name = values.get("name")
    return f"{spec.__name__}({name!r})" if isinstance(name, str) and "name" in _hints(spec) else spec.__name__


@functools.cache
def _hints(spec: type) -> dict[str, Any]:
    return typing.get_type_hints(spec)


def check_value(owner: str, name: str, value: Any, hint: Any, rule: Rule | None = None) -> None:
    """Raises :class:`PropError` unless ``value`` has the type ``hint`` and satisfies ``rule``."""
    rule = rule or Rule()
    if not (_has_type(value, hint) and _satisfies(value, rule)):
        raise PropError(message(owner, name, rule.text or describe(hint, rule), value))


def _optional(hint: Any) -> tuple[Any, bool]:
    """``(hint without None, whether None is allowed)``."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        members = [member for member in typing.get_args(hint) if member is not type(None)]
        allowed = len(members) < len(typing.get_args(hint))
        return (members[0] if len(members) == 1 else Union[tuple(members)]), allowed
    return hint, False


def _has_type(value: Any, hint: Any) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or isinstance(hint, TypeVar):
        return True
    if origin in (Union, types.UnionType):
        return any(_has_type(value, member) for member in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin is Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, (tuple, list)):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_has_type(item, args[0]) for item in value)
        return len(value) == len(args) and all(_has_type(item, kind) for item, kind in zip(value, args))
    if origin in (Mapping, dict, typing.Mapping):
        return isinstance(value, Mapping) and all(
            _has_type(key, args[0]) and _has_type(item, args[1]) for key, item in value.items())
    if origin in (Sequence, typing.Sequence, list):
        return isinstance(value, (tuple, list)) and (not args or all(_has_type(item, args[0]) for item in value))
    if origin is not None or callable_hint(hint):
        return True  # Callable and other generics: not checked
    if getattr(hint, "_is_protocol", False) and not getattr(hint, "_is_runtime_protocol", False):
        return True  # a structural type without runtime checks
    return isinstance(value, hint) if isinstance(hint, type) else True


def callable_hint(hint: Any) -> bool:
    """True for ``Callable[...]`` hints."""
    return typing.get_origin(hint) in (Callable, typing.Callable)  # type: ignore[comparison-overlap]


def _satisfies(value: Any, rule: Rule) -> bool:
    if value is None:
        return True
    if rule.choices and value not in rule.choices:
        return False
    if rule.pattern is not None and isinstance(value, str) and not is_reference(value):
        return rule.pattern.fullmatch(value) is not None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (rule.low is None or value >= rule.low) and (rule.high is None or value <= rule.high)
    return True


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _number_range(rule: Rule) -> str:
    low, high = (None if bound is None else _number(bound) for bound in (rule.low, rule.high))
    if low is not None and high is not None:
        return f" from {low} to {high}"
    return f" of at least {low}" if low is not None else (f" of at most {high}" if high is not None else "")


def describe(hint: Any, rule: Rule | None = None) -> str:
    """The rule a value of type ``hint`` (and ``rule``) follows, e.g. ``be a whole number from 1 to 65535``."""
    rule = rule or Rule()
    inner, optional = _optional(hint)
    if rule.choices:
        text = f"be one of {', '.join(map(_choice, rule.choices))}"
    else:
        text = "be " + _kind(inner, rule)
    return f"{text}, or None" if optional else text


def _choice(value: object) -> str:
    return f"{type(value).__name__}.{value.name}" if isinstance(value, enum.Enum) else repr(value)


def _kind(hint: Any, rule: Rule) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is int:
        return "a whole number" + _number_range(rule)
    if hint is float:
        return "a number" + _number_range(rule)
    if hint is bool:
        return "True or False"
    if hint is str:
        return "text"
    if origin in (Union, types.UnionType):
        if set(args) == {str, ipaddress.IPv4Network}:
            return "an IPv4 block such as '10.20.0.0/24'"
        return " or ".join(_kind(member, Rule()) for member in args)
    if origin is Literal:
        return "one of " + ", ".join(map(repr, args))
    if origin is tuple:
        return f"a tuple of {_plural(args[0])}"
    if origin in (Mapping, dict, typing.Mapping):
        return f"a mapping of {_plural(args[0])} to {_plural(args[1])}"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(_choice(member) for member in hint)
    if isinstance(hint, type):
        return f"{'an' if hint.__name__[:1] in 'AEIOU' else 'a'} {hint.__name__}"
    return "valid"


def _plural(hint: Any) -> str:
    if hint is str:
        return "text"
    if typing.get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_plural(member) for member in typing.get_args(hint))
    return getattr(hint, "__name__", str(hint))
