"""Every action the code writes to the audit log has words in the log's label table.

The actions are read from the source (every `audit.record(...)` call under islandos/ and
handlers/), so a new feature's actions fail here until it gives them a label (in its
`Feature.audit_labels`, or the shell's table for the shell's own).
"""

from __future__ import annotations

import ast
from pathlib import Path

from islandos.features import default_features
from islandos.registry import Registry
from islandos.web.admin.audit_labels import SHELL_LABELS, action_label

ROOT = Path(__file__).resolve().parents[2]
AUDIT_MODULES = {"audit", "audit_service"}  # the names islandos.services.audit goes by


def _is_record(call: ast.Call, path: Path) -> bool:
    func = call.func
    if isinstance(func, ast.Name):  # record(...) inside islandos/services/audit.py itself
        return func.id == "record" and path.parts[-2:] == ("services", "audit.py")
    return (isinstance(func, ast.Attribute) and func.attr == "record"
            and isinstance(func.value, ast.Name) and func.value.id in AUDIT_MODULES)


def _literals(node: ast.expr | None) -> set[str] | None:
    """The strings an expression can be: a literal, or either side of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _parameter_values(tree: ast.Module, function: ast.FunctionDef, name: str) -> set[str] | None:
    """What callers in the same module pass for one parameter of `function` (literals only)."""
    names = [arg.arg for arg in function.args.args]
    position = names.index(name)
    found: set[str] = set()
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id == function.name]
    for call in calls:
        values = _literals(_argument(call, position, name))
        if values is None:
            return None
        found |= values
    return found if calls else None


def _assigned_values(scope: ast.AST, name: str) -> set[str] | None:
    """What a function (or, for a constant, the module) assigns to `name`."""
    found: set[str] = set()
    nodes = scope.body if isinstance(scope, ast.Module) else ast.walk(scope)
    for node in nodes:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            value: ast.expr | None = node.value
            if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
                # `notice, action = Notice(...), "notice.drafted"`
                pairs = [(t, v) for t, v in zip(target.elts, value.elts, strict=False)
                         if isinstance(t, ast.Name) and t.id == name]
                target, value = pairs[0] if pairs else (target, None)
            if isinstance(target, ast.Name) and target.id == name:
                values = _literals(value)
                if values is None:
                    return None
                found |= values
    return found or None


def recorded_actions() -> tuple[dict[str, str], list[str]]:
    """Every action recorded in the code ({action: where}), and the places whose action
    cannot be read from the source."""
    actions: dict[str, str] = {}
    unreadable: list[str] = []
    for folder in ("islandos", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
            for function in functions:
                for node in ast.walk(function):
                    if not (isinstance(node, ast.Call) and _is_record(node, path)):
                        continue
                    argument = _argument(node, 2, "action")
                    values = _literals(argument)
                    if values is None and isinstance(argument, ast.Name):
                        if argument.id in [arg.arg for arg in function.args.args]:
                            values = _parameter_values(tree, function, argument.id)
                        else:
                            values = (_assigned_values(function, argument.id)
                                      or _assigned_values(tree, argument.id))
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    if values is None:
                        unreadable.append(where)
                        continue
                    for value in values:
                        actions.setdefault(value, where)
    return actions, unreadable


def test_the_collector_finds_actions_written_directly_and_passed_through_helpers():
    actions, _ = recorded_actions()
    assert "notice.sent" in actions  # audit.record(session, actor, "notice.sent", ...)
    assert "person.district_changed" in actions  # through registration._change(...)
    assert "audit.exported" in actions  # audit_service.record(...) in the web layer
    assert {"notice.drafted", "notice.edited"} <= set(actions)  # assigned to a variable
    assert "personal_data.read" in actions  # a module's constant (services/audit.py)


def test_every_recorded_action_can_be_read_from_the_source():
    _, unreadable = recorded_actions()
    assert unreadable == [], ("write the audit action as a string literal (or `a if c else "
                              "b` of literals) so the audit log's labels can be checked: "
                              + ", ".join(unreadable))


def test_every_recorded_action_has_words_in_the_audit_log():
    labels = {**SHELL_LABELS, **Registry.build(default_features()).audit_labels}
    actions, _ = recorded_actions()
    missing = sorted(f"{action} ({where})" for action, where in actions.items()
                     if action not in labels)
    assert missing == [], "add a label (Feature.audit_labels) for: " + ", ".join(missing)


def test_an_action_without_a_label_is_shown_as_it_is_written():
    assert action_label({}, "notice.sent") == "notice.sent"
    assert action_label({"notice.sent": "お知らせを送信"}, "notice.sent") == "お知らせを送信"
