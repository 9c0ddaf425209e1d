"""The class and property hierarchy of the dataset, closed once in Python, for inference.

Both checks of ``validation`` need what RDFS (and, for the OWL RL check, a little more of
OWL) entails about types: the SHACL check sees the data as pyshacl does with
``inference="rdfs"``, the OWL RL check needs every class an individual belongs to. The
schema is a few hundred triples, so its closure is computed here in Python, and the data
(up to millions of triples) is then extended by a handful of SPARQL updates whose ``VALUES``
carry the closed schema: pyoxigraph does the per-triple work, no Python loop over the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA_PREDICATES = (
    f"{RDFS}subClassOf",
    f"{RDFS}subPropertyOf",
    f"{RDFS}domain",
    f"{RDFS}range",
    f"{OWL}equivalentClass",
    f"{OWL}equivalentProperty",
    f"{OWL}inverseOf",
)


def _reflexive_transitive(edges: dict[str, set[str]], start: str) -> set[str]:
    reached, stack = {start}, [start]
    while stack:
        for successor in edges.get(stack.pop(), ()):
            if successor not in reached:
                reached.add(successor)
                stack.append(successor)
    return reached


@dataclass
class Schema:
    """The schema triples (between IRIs) of a dataset, with the closures inference needs.

    ``owl=False`` gives RDFS entailment (subclass, subproperty, domain, range) as pyshacl's
    RDFS inference does; ``owl=True`` adds what OWL RL entails about types from
    ``owl:equivalentClass``, ``owl:equivalentProperty`` and ``owl:inverseOf``.
    """

    triples: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def from_store(cls, store: ox.Store) -> Schema:
        """The schema statements of every graph of ``store`` (any of them may hold some)."""
        values = " ".join(f"<{predicate}>" for predicate in SCHEMA_PREDICATES)
        query = (
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
            "FILTER(isIRI(?s) && isIRI(?o)) }"
        )
        rows = store.query(query, use_default_graph_as_union=True)
        return cls({(row[0].value, row[1].value, row[2].value) for row in rows})

    def _edges(self, *predicates: str, both_ways: tuple[str, ...] = ()) -> dict[str, set[str]]:
        edges: dict[str, set[str]] = defaultdict(set)
        for subject, predicate, obj in self.triples:
            if predicate in predicates or predicate in both_ways:
                edges[subject].add(obj)
            if predicate in both_ways:
                edges[obj].add(subject)
        return edges

    def superclasses(self, owl: bool = False) -> dict[str, set[str]]:
        """Every class named in the schema → itself and all its superclasses."""
        edges = self._edges(
            f"{RDFS}subClassOf", both_ways=(f"{OWL}equivalentClass",) if owl else ()
        )
        classes = set(edges) | {target for targets in edges.values() for target in targets}
        classes |= {
            obj
            for _, predicate, obj in self.triples
            if predicate in (f"{RDFS}domain", f"{RDFS}range")
        }
        return {name: _reflexive_transitive(edges, name) for name in classes}

    def property_superproperties(self) -> dict[str, set[str]]:
        """Every property named in the schema → itself and its superproperties (RDFS)."""
        edges = self._edges(f"{RDFS}subPropertyOf")
        names = set(edges) | {target for targets in edges.values() for target in targets}
        names |= {s for s, p, _ in self.triples if p in (f"{RDFS}domain", f"{RDFS}range")}
        return {name: _reflexive_transitive(edges, name) for name in names}

    def typing_rules(self, owl: bool = False) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """(property, class) pairs: a triple ``s property o`` makes ``s`` (first set) or
        ``o`` (second set) an instance of the class, all superclasses included."""
        superclasses = self.superclasses(owl)
        domains: dict[str, set[str]] = defaultdict(set)
        ranges: dict[str, set[str]] = defaultdict(set)
        for subject, predicate, obj in self.triples:
            if predicate == f"{RDFS}domain":
                domains[subject].add(obj)
            elif predicate == f"{RDFS}range":
                ranges[subject].add(obj)
        forward = self._edges(
            f"{RDFS}subPropertyOf", both_ways=(f"{OWL}equivalentProperty",) if owl else ()
        )
        inverse = self._edges(both_ways=(f"{OWL}inverseOf",)) if owl else {}
        properties = set(forward) | set(inverse) | set(domains) | set(ranges)
        properties |= {target for targets in forward.values() for target in targets}
        subject_rules: set[tuple[str, str]] = set()
        object_rules: set[tuple[str, str]] = set()
        for start in properties:
            # States are (property, flipped): an inverse turns subject and object around.
            seen, stack = {(start, False)}, [(start, False)]
            while stack:
                name, flipped = stack.pop()
                steps = [(target, flipped) for target in forward.get(name, ())]
                steps += [(target, not flipped) for target in inverse.get(name, ())]
                for step in steps:
                    if step not in seen:
                        seen.add(step)
                        stack.append(step)
            for name, flipped in seen:
                for domain in domains.get(name, ()):
                    rules = object_rules if flipped else subject_rules
                    rules.update((start, cls) for cls in superclasses.get(domain, {domain}))
                for range_ in ranges.get(name, ()):
                    rules = subject_rules if flipped else object_rules
                    rules.update((start, cls) for cls in superclasses.get(range_, {range_}))
        return subject_rules, object_rules


def _values(pairs: Iterable[tuple[str, str]]) -> str:
    return " ".join(f"(<{first}> <{second}>)" for first, second in sorted(pairs))


def materialise_types(
    store: ox.Store,
    schema: Schema,
    into: ox.NamedNode,
    classes: set[str],
    properties: set[str] = frozenset(),  # type: ignore[assignment]
    owl: bool = False,
) -> None:
    """Write into graph ``into`` the entailed types in ``classes`` and the entailed triples
    of ``properties`` (subproperty entailment).

    Only what a check looks at is written: at 1M triples every superclass of every
    individual would be hundreds of thousands of triples nobody reads. Every graph of
    ``store`` is read. Types are closed in one pass because the closures were taken over
    the schema; literals never become typed individuals.
    """
    subject_rules, object_rules = schema.typing_rules(owl)
    subject_rules = {rule for rule in subject_rules if rule[1] in classes}
    object_rules = {rule for rule in object_rules if rule[1] in classes}
    class_pairs = {
        (name, sup)
        for name, sups in schema.superclasses(owl).items()
        for sup in sups
        if sup != name and sup in classes
    }
    property_pairs = {
        (name, sup)
        for name, sups in schema.property_superproperties().items()
        for sup in sups
        if sup != name and sup in properties
    }
    insert = f"INSERT {{ GRAPH {into} {{ ?x <{RDF_TYPE}> ?c }} }} WHERE {{ "
    updates = [
        (subject_rules, "VALUES (?p ?c) {{ {} }} GRAPH ?g {{ ?x ?p ?o }} }}"),
        (object_rules, "VALUES (?p ?c) {{ {} }} GRAPH ?g {{ ?s ?p ?x }} FILTER(!isLiteral(?x)) }}"),
        (class_pairs, f"VALUES (?t ?c) {{{{ {{}} }}}} GRAPH ?g {{{{ ?x <{RDF_TYPE}> ?t }}}} }}}}"),
    ]
    for rules, where in updates:
        if rules:
            store.update(insert + where.format(_values(rules)))
    if property_pairs:
        store.update(
            f"INSERT {{ GRAPH {into} {{ ?s ?q ?o }} }} WHERE {{ "
            f"VALUES (?p ?q) {{ {_values(property_pairs)} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
