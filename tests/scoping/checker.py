"""Reads the code and names every query of tenant data that forgets the tenant.

In the spirit of Zulip's lint rule against message queries without a realm: a
query of a tenant's rows must go through ``.for_tenant(...)``, through
``.dangerously_unscoped(reason="...")`` (the one named way out, which a reader
sees and a reviewer can grep), or be handed whole to a function that binds the
tenant itself (``tenant_get``). Anything else is a finding.

A query starts at a tenant model's manager (``Label.objects``,
``Label._default_manager``, any other manager it declares) or at a relation
manager that yields tenant rows (``conversation.labels``); the chain of calls
on it (``.select_for_update().get(...)``) is what is judged.
"""

import ast
import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

ROOT = Path(__file__).resolve().parents[2]
SCOPED = frozenset({"for_tenant", "dangerously_unscoped"})
WAY_OUT = "dangerously_unscoped"
# Callables that take a model or queryset and bind the tenant themselves.
SCOPING_FUNCTIONS = frozenset({"tenant_get", "TenantPrimaryKeyRelatedField"})
# Inserts carry their tenant in their values and read nothing back.
INSERTS = frozenset({"create", "bulk_create"})
# What a relation manager is asked when it is queried.
QUERY_METHODS = frozenset(
    {
        "aggregate", "all", "annotate", "count", "defer", "distinct", "earliest", "exclude",
        "exists", "filter", "first", "get", "get_or_create", "in_bulk", "iterator", "last",
        "latest", "only", "order_by", "prefetch_related", "select_for_update", "select_related",
        "update", "update_or_create", "delete", "values", "values_list",
    }
)  # fmt: skip
# Never scanned: tests query freely; migrations see historical models.
SKIPPED_DIRS = frozenset({"tests", "migrations", "__pycache__", ".venv", "bench", "docs"})


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    model: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.model}: {self.problem}"


def is_tenant_model(model) -> bool:
    """A TenantScopedModel, or any model whose ``tenant`` points at a Tenant."""
    from tenants.models import Tenant, TenantScopedModel

    if issubclass(model, TenantScopedModel):
        return True
    try:
        field = model._meta.get_field("tenant")
    except FieldDoesNotExist:
        return False
    return field.is_relation and field.related_model is Tenant


def tenant_models() -> list[type]:
    return [m for m in apps.get_models() if is_tenant_model(m)]


def relation_managers() -> dict[str, str]:
    """Attribute names of relation managers that yield tenant rows, with their model."""
    names = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            target = field.related_model
            if not (field.one_to_many or field.many_to_many) or target is None:
                continue
            if not is_tenant_model(target):
                continue
            name = field.get_accessor_name() if field.auto_created else field.name
            if name and not name.endswith("+"):
                names[name] = target.__name__
    return names


class _Names:
    """What the names of one source file refer to, from its imports (anywhere in
    the file, function-level ones included) and, when known, its module."""

    def __init__(self, tree: ast.AST, module: str | None):
        self.table: dict[str, object] = {}
        self.module_name = module
        # Classes defined in the file itself (a models module) are looked up in it.
        self.own_classes = {
            n.name for n in getattr(tree, "body", []) if isinstance(n, ast.ClassDef)
        }
        package = module.rpartition(".")[0] if module else ""
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.table[alias.asname] = _import(alias.name)
                    else:
                        top = alias.name.partition(".")[0]
                        self.table[top] = _import(top)
            elif isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    source = f"{base}.{source}" if source else base
                imported = _import(source)
                for alias in node.names:
                    value = getattr(imported, alias.name, None)
                    if value is None:
                        value = _import(f"{source}.{alias.name}")
                    self.table[alias.asname or alias.name] = value

    def resolve(self, node: ast.AST):
        if isinstance(node, ast.Name):
            if node.id in self.table:
                return self.table[node.id]
            if node.id in self.own_classes and self.module_name:
                return getattr(_import(self.module_name), node.id, None)
            return None
        if isinstance(node, ast.Attribute):
            owner = self.resolve(node.value)
            if owner is not None and type(owner).__name__ == "module":
                return getattr(owner, node.attr, None)
        return None


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _chain(start: ast.AST, parents) -> tuple[list[ast.Call], ast.AST]:
    """The calls made on ``start`` (``.a().b()``), and the outermost expression."""
    calls, node = [], start
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            node = parent
        elif isinstance(parent, ast.Call) and parent.func is node:
            calls.append(parent)
            node = parent
        else:
            return calls, node


def _method(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _judge(calls: list[ast.Call], outer: ast.AST, parents) -> str | None:
    """None when the query is scoped; otherwise what is wrong with it."""
    methods = [_method(c) for c in calls]
    for call in calls:
        if _method(call) == WAY_OUT:
            reason = next((k.value for k in call.keywords if k.arg == "reason"), None)
            if not (
                isinstance(reason, ast.Constant)
                and isinstance(reason.value, str)
                and reason.value.strip()
            ):
                return 'dangerously_unscoped() needs reason="..." written out, saying why'
    if SCOPED & set(methods):
        return None
    if methods and methods[0] in INSERTS:
        return None
    holder = parents.get(outer)
    if isinstance(holder, ast.keyword):
        holder = parents.get(holder)
    if isinstance(holder, ast.Call) and _called_name(holder) in SCOPING_FUNCTIONS:
        return None
    shown = ".".join(methods) or "manager"
    return f'query ({shown}) without .for_tenant(...) or .dangerously_unscoped(reason="...")'


def check_source(source: str, *, path: str = "<source>", module: str | None = None):
    """Findings in one file's source text."""
    tree = ast.parse(source)
    names = _Names(tree, module)
    parents = _parents(tree)
    relations = relation_managers()
    models = tenant_models()
    findings = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = names.resolve(node.value)
        if isinstance(owner, type) and owner in models:
            managers = {"objects", "_default_manager", "_base_manager"}
            managers |= {m.name for m in owner._meta.managers}
            if node.attr not in managers:
                continue
            model = owner.__name__
        elif node.attr in relations and owner is None:
            # ``x.labels.filter(...)``: only when queried, so a plain attribute
            # that shares the name is left alone.
            parent = parents.get(node)
            if not (isinstance(parent, ast.Attribute) and parent.attr in QUERY_METHODS):
                continue
            model = f"{relations[node.attr]} (via .{node.attr})"
        else:
            continue
        calls, outer = _chain(node, parents)
        problem = _judge(calls, outer, parents)
        if problem:
            findings.append(Finding(path, node.lineno, model, problem))
    return findings


def source_files(root: Path = ROOT) -> Iterator[Path]:
    """The platform's own modules: every app package, without tests or migrations."""
    for package in sorted(p.parent for p in root.glob("*/__init__.py")):
        if package.name in SKIPPED_DIRS:
            continue
        for path in sorted(package.rglob("*.py")):
            if not SKIPPED_DIRS & set(path.relative_to(root).parts):
                yield path


def check_files(paths: Iterable[Path], root: Path = ROOT) -> list[Finding]:
    findings = []
    for path in paths:
        relative = path.relative_to(root)
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        findings += check_source(path.read_text(), path=str(relative), module=module)
    return findings
