"""The OWL RL inconsistencies of a dataset, found with SPARQL instead of a full closure.

owlrl computes the whole OWL RL closure in Python (minutes at 100k triples) only for the
few "false" rules to fire. This module evaluates those rules directly, over the types the
closed schema entails (``schema_closure``), for the axiom kinds listed in ``SUPPORTED``:
disjoint classes (cax-dw, cax-adc), owl:Nothing (cls-nothing2), complement classes
(cls-com), irreflexive and asymmetric properties (prp-irp, prp-asyp), disjoint properties
(prp-pdw), literals whose lexical form does not fit their datatype (dt-not-type, in
``ill_typed_literals``, a separate scan the caller runs beside other work), and
owl:sameAs (explicit, or entailed by functional and inverse-functional object properties)
sharing the types of the individuals it equates. Messages read as owlrl's.

``unsupported_axioms`` names any other OWL construct the data or ontology uses; the caller
then runs owlrl instead, so an inconsistency is never missed silently.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.XsdDatatypes import OWL_RL_Datatypes

from ftzkg.schema_closure import OWL, RDF_TYPE, Schema, materialise_types

OWL_TYPES = ox.NamedNode("urn:ftzkg:validation:owl-types")
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_NIL = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil")
# OWL terms whose rules this module does not evaluate; their presence means owlrl runs.
UNSUPPORTED_PREDICATES = [
    "differentFrom", "distinctMembers", "propertyChainAxiom", "hasKey", "sourceIndividual",
    "intersectionOf", "unionOf", "someValuesFrom", "allValuesFrom", "hasValue",
    "maxCardinality", "maxQualifiedCardinality", "oneOf", "onProperty",
]  # fmt: skip
UNSUPPORTED_CLASSES = [
    "AllDifferent", "SymmetricProperty", "TransitiveProperty", "AllDisjointProperties",
    "NegativePropertyAssertion", "Restriction",
]  # fmt: skip


def unsupported_axioms(store: ox.Store) -> list[str]:
    """The OWL constructs in ``graphs`` that only owlrl's full closure evaluates."""
    predicates = " ".join(f"<{OWL}{name}>" for name in UNSUPPORTED_PREDICATES)
    classes = " ".join(f"<{OWL}{name}>" for name in UNSUPPORTED_CLASSES)
    query = (
        f"SELECT DISTINCT ?term WHERE {{ {{ VALUES ?term {{ {predicates} }} ?s ?term ?o }} "
        f"UNION {{ VALUES ?term {{ {classes} }} ?s <{RDF_TYPE}> ?term }} }}"
    )
    return sorted(row[0].value for row in store.query(query, use_default_graph_as_union=True))


def _list_members(store: ox.Store, head: ox.NamedNode | ox.BlankNode | None) -> list[str]:
    members = []
    while head is not None and head != RDF_NIL:
        first = list(store.quads_for_pattern(head, ox.NamedNode(RDF_FIRST), None, None))
        rest = list(store.quads_for_pattern(head, ox.NamedNode(RDF_REST), None, None))
        if not first:
            break
        members.append(first[0].object.value)
        head = rest[0].object if rest else None
    return members


def _name(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def inconsistencies(
    store: ox.Store, schema: Schema, candidates: ox.NamedNode | None = None
) -> list[str]:
    """What OWL RL finds inconsistent in the graphs of ``store``; ``candidates`` (a graph
    of ``<urn:ftzkg:validation:candidate>`` marks) restricts the individuals looked at.

    Run it after the SHACL checks: the OWL RL types it adds to the store are not RDFS's.
    """
    disjoint = _disjoint_pairs(store)
    classes = {name for pair in disjoint for name in pair} | {f"{OWL}Nothing"}
    classes |= _objects_of(store, f"{OWL}complementOf", both=True)
    properties = _objects_of(store, f"{OWL}propertyDisjointWith", both=True)
    properties |= _instances(store, f"{OWL}IrreflexiveProperty", f"{OWL}AsymmetricProperty")
    materialise_types(store, schema, OWL_TYPES, classes, properties, owl=True)
    only = (
        f"GRAPH {candidates} {{ ?x <urn:ftzkg:validation:candidate> true }}" if candidates else ""
    )
    messages: set[str] = set()
    if disjoint:
        values = " ".join(f"(<{a}> <{b}>)" for a, b in sorted(disjoint))
        query = (
            f"SELECT DISTINCT ?c1 ?c2 ?x WHERE {{ {only} VALUES (?c1 ?c2) {{ {values} }} "
            f"?x <{RDF_TYPE}> ?c1 . ?x <{RDF_TYPE}> ?c2 }}"
        )
        for c1, c2, x in store.query(query, use_default_graph_as_union=True):
            messages.add(
                f"Disjoint classes {c1.value} and {c2.value} have a common individual {_name(x)}"
            )
    for (x,) in store.query(
        f"SELECT DISTINCT ?x WHERE {{ {only} ?x <{RDF_TYPE}> <{OWL}Nothing> }}",
        use_default_graph_as_union=True,
    ):
        messages.add(f"{_name(x)} is defined of type 'Nothing'")
    messages |= _property_axioms(store, only)
    messages |= _same_as_clashes(store, disjoint)
    return sorted(messages)


def _objects_of(store: ox.Store, predicate: str, both: bool = False) -> set[str]:
    """The IRIs an axiom ``predicate`` relates (its objects, and subjects if ``both``)."""
    query = f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}"
    found = set()
    for subject, obj in store.query(query, use_default_graph_as_union=True):
        found |= {
            term.value for term in (obj, subject if both else obj) if isinstance(term, ox.NamedNode)
        }
    return found


def _instances(store: ox.Store, *classes: str) -> set[str]:
    values = " ".join(f"<{name}>" for name in classes)
    query = f"SELECT ?s WHERE {{ VALUES ?c {{ {values} }} ?s <{RDF_TYPE}> ?c FILTER(isIRI(?s)) }}"
    return {row[0].value for row in store.query(query, use_default_graph_as_union=True)}


def _disjoint_pairs(store: ox.Store) -> set[tuple[str, str]]:
    pairs = {
        (row[0].value, row[1].value)
        for row in store.query(
            f"SELECT ?a ?b WHERE {{ ?a <{OWL}disjointWith> ?b FILTER(isIRI(?a) && isIRI(?b)) }}",
            use_default_graph_as_union=True,
        )
    }
    for (members,) in store.query(
        f"SELECT ?m WHERE {{ ?d <{RDF_TYPE}> <{OWL}AllDisjointClasses> ; <{OWL}members> ?m }}",
        use_default_graph_as_union=True,
    ):
        classes = _list_members(store, members)
        pairs |= {(a, b) for i, a in enumerate(classes) for b in classes[i + 1 :]}
    return pairs


def _property_axioms(store: ox.Store, only: str) -> set[str]:
    """prp-irp, prp-asyp, prp-pdw and cls-com, each only if the data has such an axiom
    (without one, the optimiser may still scan every triple for ``?x ?p ?x``)."""
    checks = [
        (
            f"?p a <{OWL}IrreflexiveProperty>",
            "SELECT DISTINCT ?x ?p WHERE {{ {axiom} . ?x ?p ?x {only} }}",
            lambda row: f"Irreflexive property used on {_name(row[0])} with {row[1].value}",
        ),
        (
            f"?p a <{OWL}AsymmetricProperty>",
            "SELECT DISTINCT ?p ?x ?y WHERE {{ {axiom} . ?x ?p ?y . ?y ?p ?x {only} }}",
            lambda row: (
                "Erroneous usage of asymmetric property "
                f"{row[0].value} on {_name(row[1])} and {_name(row[2])}"
            ),
        ),
        (
            f"?p <{OWL}propertyDisjointWith> ?q",
            "SELECT DISTINCT ?p ?q ?x ?y WHERE {{ {axiom} . ?x ?p ?y . ?x ?q ?y {only} }}",
            lambda row: (
                f"Erroneous usage of disjoint properties {row[0].value} and "
                f"{row[1].value} on {_name(row[2])} and {_name(row[3])}"
            ),
        ),
        (
            f"?a <{OWL}complementOf> ?b",
            f"SELECT DISTINCT ?a ?b ?x WHERE {{{{ {{axiom}} . ?x <{RDF_TYPE}> ?a . "
            f"?x <{RDF_TYPE}> ?b {{only}} }}}}",
            lambda row: (
                f"Violation of complementarity for classes {row[0].value} and "
                f"{row[1].value} on element {_name(row[2])}"
            ),
        ),
    ]
    messages = set()
    for axiom, query, describe in checks:
        if store.query(f"ASK {{ {axiom} }}", use_default_graph_as_union=True):
            rows = store.query(
                query.format(axiom=axiom, only=only), use_default_graph_as_union=True
            )
            messages |= {describe(row) for row in rows}
    return messages


def _same_as_clashes(store: ox.Store, disjoint: set[tuple[str, str]]) -> set[str]:
    """Individuals equated by owl:sameAs share their types: find the disjoint ones."""
    query = (
        "SELECT DISTINCT ?a ?b WHERE { "
        f"{{ ?a <{OWL}sameAs> ?b }} UNION "
        f"{{ ?p a <{OWL}FunctionalProperty> . ?x ?p ?a . ?x ?p ?b }} UNION "
        f"{{ ?p a <{OWL}InverseFunctionalProperty> . ?a ?p ?y . ?b ?p ?y }} "
        "FILTER(?a != ?b && !isLiteral(?a) && !isLiteral(?b)) }"
    )
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    terms: dict[str, ox.NamedNode | ox.BlankNode] = {}
    for a, b in store.query(query, use_default_graph_as_union=True):
        terms[str(a)], terms[str(b)] = a, b
        parent[root(str(a))] = root(str(b))
    groups: dict[str, list[str]] = {}
    for node in terms:
        groups.setdefault(root(node), []).append(node)
    messages = set()
    for members in groups.values():
        values = " ".join(members)
        types = {
            row[0].value
            for row in store.query(
                f"SELECT DISTINCT ?c WHERE {{ VALUES ?x {{ {values} }} ?x <{RDF_TYPE}> ?c }}",
                use_default_graph_as_union=True,
            )
        }
        for c1, c2 in sorted(disjoint):
            if c1 in types and c2 in types:
                for member in sorted(members):
                    messages.add(
                        f"Disjoint classes {c1} and {c2} have a common individual "
                        f"{_name(terms[member])}"
                    )
        if f"{OWL}Nothing" in types:
            messages |= {f"{_name(terms[m])} is defined of type 'Nothing'" for m in members}
    return messages


def ill_typed_literals(store: ox.Store) -> set[str]:
    """dt-not-type, judged by owlrl's own lexical-to-value converters (all literals)."""
    # Strings are never ill-typed (owlrl's converter for them is the identity), and most
    # literals are strings: leaving them out in the query makes it six times faster than
    # matching the datatypes in SPARQL.
    query = (
        "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && !(DATATYPE(?o) IN "
        f"(<{rdflib.XSD.string}>, <{RDF_LANG_STRING}>))) }}"
    )
    # Read out before converting: a converter's exception keeps this frame alive until a
    # garbage collection, maybe in another thread, where pyoxigraph's results must not be
    # dropped.
    literals = [row[0] for row in store.query(query, use_default_graph_as_union=True)]
    messages = set()
    for literal in literals:
        datatype = rdflib.URIRef(literal.datatype.value)
        converter = AltXSDToPYTHON.get(datatype)
        if converter is None or datatype not in OWL_RL_Datatypes:
            continue
        try:
            converter(literal.value)
        except ValueError:
            messages.add(
                f"Lexical value of the literal '{literal.value}' does not match its datatype "
                f"({datatype})"
            )
    return messages
