"""The update text checks: every fetched IRI is found, the protocol's dataset becomes USING."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from ftzkg.auth import WriteAccess, token_id
from ftzkg.config import ConfigurationError, Settings
from ftzkg.errors import BadRequest, Forbidden, Unauthorized
from ftzkg.update_text import fetched_iris, with_using_clauses

EX = "http://example.org/"


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ("LOAD <http://a.example/x>", [("LOAD", "http://a.example/x")]),
        (
            "load silent <http://a.example/x> into graph <http://g>",
            [("LOAD", "http://a.example/x")],
        ),
        ("PREFIX p: <http://a.example/> LOAD p:x", [("LOAD", "http://a.example/x")]),
        ("BASE <http://a.example/d/> LOAD <x>", [("LOAD", "http://a.example/d/x")]),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE ?e { ?s ?p ?o } }", [("SERVICE", None)]),
        ("INSERT DATA { <a:b> <a:c> 'LOAD <http://x/>' } # LOAD <http://y/>", []),
        ("LOAD unknown:x", [("LOAD", "unknown:x")]),
    ],
)
def test_fetched_iris_finds_every_load_and_service_target(update, expected):
    assert fetched_iris(update) == expected


def run(update: str, store: ox.Store) -> set[ox.Quad]:
    store.update(update)
    return set(store)


def test_using_graph_uri_becomes_the_where_clauses_default_graph():
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("1"), ox.NamedNode(EX + "g")
        )
    )
    update = f"INSERT {{ GRAPH <{EX}out> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    rewritten = with_using_clauses(update, (EX + "g",), ())
    after = run(rewritten, store)
    assert (
        ox.Quad(
            ox.NamedNode(EX + "s"),
            ox.NamedNode(EX + "p"),
            ox.Literal("1"),
            ox.NamedNode(EX + "out"),
        )
        in after
    )


def test_using_clauses_go_before_every_where_of_a_request():
    update = "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ; INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }"
    rewritten = with_using_clauses(update, (EX + "g",), (EX + "n",))
    assert rewritten.count(f"USING <{EX}g> USING NAMED <{EX}n> WHERE") == 2
    ox.Store().update(rewritten)


def test_delete_where_shorthand_is_left_alone():
    update = "DELETE WHERE { ?s ?p ?o }"
    assert with_using_clauses(update, (EX + "g",), ()) == update


def test_an_update_with_its_own_using_cannot_take_protocol_graphs():
    with pytest.raises(BadRequest, match="its own USING"):
        with_using_clauses(f"DELETE {{ ?s ?p ?o }} USING <{EX}g> WHERE {{ ?s ?p ?o }}", (EX,), ())


# --- tokens ------------------------------------------------------------------------------

TOKEN = "a-very-secret-token-123"


def access(settings: Settings, **changes) -> WriteAccess:  # type: ignore[no-untyped-def]
    return WriteAccess.from_settings(settings.with_changes(**changes))


def test_no_token_means_writes_are_disabled(settings):
    assert not access(settings).writes_enabled


def test_missing_credentials_are_401(settings):
    with pytest.raises(Unauthorized):
        access(settings, write_token=TOKEN).authenticate(None)


def test_another_scheme_is_401(settings):
    with pytest.raises(Unauthorized, match="Bearer"):
        access(settings, write_token=TOKEN).authenticate("Basic dXNlcjpwYXNz")


def test_a_wrong_token_is_403(settings):
    with pytest.raises(Forbidden):
        access(settings, write_token=TOKEN).authenticate("Bearer " + TOKEN[:-1] + "X")


def test_the_right_token_gives_its_id_not_the_token(settings):
    assert access(settings, write_token=TOKEN).authenticate("Bearer " + TOKEN) == token_id(TOKEN)
    assert TOKEN not in token_id(TOKEN)


def test_tokens_are_read_from_a_token_file(settings, tmp_path):
    token_file = tmp_path / "tokens"
    token_file.write_text("# operators\nfirst-operator-token-0001\nsecond-operator-token-02\n")
    tokens = access(settings, write_token_file=token_file)
    assert tokens.authenticate("Bearer second-operator-token-02")


def test_a_short_token_is_refused_at_start(settings):
    with pytest.raises(ConfigurationError, match="at least 16"):
        access(settings, write_token="short")
