"""The step graph: data edges from resolved inputs, ``after:`` edges, stable topological order."""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic

__all__ = ["Edge", "order_steps"]


@dataclass
class Edge:
    source: str
    target: str
    kind: str  # "data" or "after"
    names: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"from": self.source, "to": self.target, "kind": self.kind, "names": self.names}


def order_steps(steps) -> tuple[list[str], list[Edge], list[Diagnostic]]:
    """Steps in an order that respects every edge, ties broken by position in the notebook."""
    diags: list[Diagnostic] = []
    edges: dict[tuple[str, str, str], Edge] = {}
    for step in steps.values():
        for name, producer in step.inputs.items():
            edge = edges.setdefault((producer, step.name, "data"), Edge(producer, step.name, "data"))
            edge.names.append(name)
        for target, cell in step.after:
            if target not in steps:
                valid = ", ".join(sorted(steps)) or "none"
                diags.append(
                    Diagnostic(
                        "NB105",
                        f"step {step.name!r} is tagged after:{target} but there is no step {target!r}",
                        cell.index,
                        cell.id,
                        None,
                        f"use one of the steps: {valid}",
                    )
                )
            elif target != step.name:
                edges.setdefault((target, step.name, "after"), Edge(target, step.name, "after"))
    position = {name: index for index, name in enumerate(steps)}
    incoming = {name: set() for name in steps}
    for source, target, _ in edges:
        incoming[target].add(source)
    order: list[str] = []
    ready = sorted((n for n, deps in incoming.items() if not deps), key=position.get)
    while ready:
        current = ready.pop(0)
        order.append(current)
        for name, deps in incoming.items():
            if current in deps:
                deps.discard(current)
                if not deps and name not in order and name not in ready:
                    ready.append(name)
        ready.sort(key=position.get)
    if len(order) < len(steps):
        stuck = [n for n in steps if n not in order]
        first = steps[stuck[0]].cells[0].cell
        diags.append(
            Diagnostic(
                "NB106",
                "steps " + " -> ".join(stuck) + " depend on each other in a cycle",
                first.index,
                first.id,
                None,
                "remove an after: tag or move the shared code into one step",
            )
        )
        order += stuck
    return order, list(edges.values()), diags
