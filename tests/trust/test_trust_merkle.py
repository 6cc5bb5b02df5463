"""RFC 9162 Merkle proofs: reference vectors, properties of every proof, proofs over a ledger."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityledger.bootstrap import Runtime
from ledger.chain import canonical, canonical_lines
from ledger.proofs import (
    EMPTY_ROOT,
    Frontier,
    KeptTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    ledger_tree_head,
    node_hash,
    prove_consistency,
    prove_inclusion,
    tree_head,
    verify_consistency,
    verify_inclusion,
)
from tests.trust.trust_world import Cli, raw

# The Certificate Transparency reference data (RFC 6962 test vectors, as published with
# transparency-dev/merkle): leaf inputs, then the tree head of each size 1..8.
ENTRIES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
           "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}  # fmt: skip
CONSISTENCY = {
    (2, 8): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}  # fmt: skip
LEAVES = [leaf_hash(bytes.fromhex(e)) for e in ENTRIES]
#: A pool of leaves for the properties (their values do not matter, their distinctness does).
POOL = [leaf_hash(n.to_bytes(4, "big")) for n in range(70)]


def hexes(hashes: list[bytes]) -> list[str]:
    """Hashes as hex."""
    return [h.hex() for h in hashes]


def test_tree_heads_match_the_reference_vectors() -> None:
    assert EMPTY_ROOT.hex() == hashlib.sha256(b"").hexdigest()
    assert tree_head([]) == EMPTY_ROOT
    assert [tree_head(LEAVES, n).hex() for n in range(1, 9)] == ROOTS
    assert node_hash(LEAVES[0], LEAVES[1]).hex() == ROOTS[1]


def test_proofs_match_the_reference_vectors() -> None:
    for (index, size), path in INCLUSION.items():
        assert hexes(inclusion_proof(LEAVES, index, size)) == path
        assert verify_inclusion(
            LEAVES[index], index, size, [bytes.fromhex(p) for p in path], bytes.fromhex(ROOTS[7])
        )
    for (first, second), path in CONSISTENCY.items():
        assert hexes(consistency_proof(LEAVES, first, second)) == path
        assert verify_consistency(
            first,
            second,
            bytes.fromhex(ROOTS[first - 1]),
            bytes.fromhex(ROOTS[second - 1]),
            [bytes.fromhex(p) for p in path],
        )


def test_every_proof_of_every_small_tree_verifies() -> None:
    for n in range(1, 34):
        root = tree_head(POOL, n)
        for i in range(n):
            assert verify_inclusion(POOL[i], i, n, inclusion_proof(POOL, i, n), root), (i, n)
        for m in range(1, n + 1):
            proof = consistency_proof(POOL, m, n)
            assert verify_consistency(m, n, tree_head(POOL, m), root, proof), (m, n)


def test_generators_refuse_impossible_sizes() -> None:
    for call in (
        lambda: inclusion_proof(LEAVES, 8, 8),
        lambda: inclusion_proof(LEAVES, -1, 8),
        lambda: inclusion_proof(LEAVES, 0, 9),
        lambda: consistency_proof(LEAVES, 0, 8),
        lambda: consistency_proof(LEAVES, 5, 3),
        lambda: tree_head(LEAVES, 9),
    ):
        with pytest.raises(ValueError):
            call()


def test_degenerate_consistency_cases() -> None:
    root4, root5 = tree_head(POOL, 4), tree_head(POOL, 5)

    assert consistency_proof(POOL, 4, 4) == []
    assert verify_consistency(4, 4, root4, root4, [])
    assert not verify_consistency(4, 4, root4, root5, [])
    assert not verify_consistency(4, 4, root4, root4, [root4])
    assert verify_consistency(0, 5, EMPTY_ROOT, root5, [])
    assert not verify_consistency(0, 5, root4, root5, [])
    assert not verify_consistency(4, 5, root4, root5, [])
    assert not verify_consistency(5, 4, root5, root4, consistency_proof(POOL, 4, 5))


def test_verifiers_reject_malformed_hashes_instead_of_raising() -> None:
    proof = inclusion_proof(LEAVES, 5, 8)
    root = tree_head(LEAVES, 8)

    assert not verify_inclusion(LEAVES[5][:31], 5, 8, proof, root)
    assert not verify_inclusion(LEAVES[5], 5, 8, [proof[0][:31], *proof[1:]], root)
    assert not verify_inclusion(LEAVES[5], 5, 8, proof, root[:31])
    cproof = consistency_proof(LEAVES, 6, 8)
    assert not verify_consistency(6, 8, tree_head(LEAVES, 6)[:31], root, cproof)


sizes = st.integers(min_value=1, max_value=len(POOL))


@st.composite
def inclusion_case(draw: st.DrawFn) -> tuple[int, int]:
    """A tree size and a leaf index in it."""
    n = draw(sizes)
    return draw(st.integers(min_value=0, max_value=n - 1)), n


@st.composite
def consistency_case(draw: st.DrawFn) -> tuple[int, int]:
    """Two tree sizes, the first at most the second."""
    n = draw(sizes)
    return draw(st.integers(min_value=1, max_value=n)), n


def mutations(proof: list[bytes], data: st.DataObject) -> list[list[bytes]]:
    """Ways to damage a proof: flip a bit, drop, add, swap or reverse its hashes."""
    out: list[list[bytes]] = [[*proof, POOL[0]], [POOL[1], *proof]]
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="at")
        bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
        flipped = bytearray(proof[at])
        flipped[bit // 8] ^= 1 << (bit % 8)
        out += [[*proof[:at], bytes(flipped), *proof[at + 1 :]], proof[:-1], proof[1:]]
    if len(proof) >= 2 and proof[0] != proof[1]:
        out.append([proof[1], proof[0], *proof[2:]])
    if len(proof) >= 2 and proof != proof[::-1]:
        out.append(proof[::-1])
    return out


@settings(max_examples=150)
@given(data=st.data())
def test_inclusion_proofs_verify_and_damaged_ones_do_not(data: st.DataObject) -> None:
    index, n = data.draw(inclusion_case(), label="index, size")
    root = tree_head(POOL, n)
    proof = inclusion_proof(POOL, index, n)

    assert verify_inclusion(POOL[index], index, n, proof, root)
    for bad in mutations(proof, data):
        assert not verify_inclusion(POOL[index], index, n, bad, root)
    other = data.draw(st.integers(min_value=0, max_value=n - 1), label="other index")
    if other != index:
        assert not verify_inclusion(POOL[index], other, n, proof, root)
        assert not verify_inclusion(POOL[other], index, n, proof, root)
    assert not verify_inclusion(POOL[index], n, n, proof, root)
    assert not verify_inclusion(POOL[index], index, n, proof, tree_head(POOL, n - 1))
    if n < len(POOL):
        assert not verify_inclusion(POOL[index], index, n + 1, proof, tree_head(POOL, n + 1))


@settings(max_examples=150)
@given(data=st.data())
def test_consistency_proofs_verify_and_damaged_ones_do_not(data: st.DataObject) -> None:
    m, n = data.draw(consistency_case(), label="sizes")
    first, second = tree_head(POOL, m), tree_head(POOL, n)
    proof = consistency_proof(POOL, m, n)

    assert verify_consistency(m, n, first, second, proof)
    for bad in mutations(proof, data):
        assert not verify_consistency(m, n, first, second, bad)
    if m < n:
        # A different history of the first m leaves is not a prefix of this tree.
        forged = [*POOL[: m - 1], leaf_hash(b"forged"), *POOL[m:n]]
        assert not verify_consistency(m, n, tree_head(forged, m), second, proof)
        assert not verify_consistency(m, n, first, tree_head(forged, n), proof)
        if consistency_proof(POOL, m, n - 1) != proof:
            assert not verify_consistency(m, n - 1, first, tree_head(POOL, n - 1), proof)


def test_proofs_over_the_ledger_verify_against_its_events(world: Runtime) -> None:
    records = world.ledger.records()
    leaves = [
        leaf_hash(canonical(r.position, r.originator_id, r.originator_version, r.topic, r.stored))
        for r in records
    ]
    head = len(records)

    assert ledger_tree_head(world.ledger) == tree_head(leaves).hex()
    for position in (1, 17, head):
        proof = prove_inclusion(world.ledger, position)
        assert proof.verify() and proof.root == tree_head(leaves).hex()
        assert proof.leaf == leaves[position - 1].hex()
    published = prove_consistency(world.ledger, 27)
    assert published.verify() and published.first_root == ledger_tree_head(world.ledger, 27)
    assert prove_inclusion(world.ledger, 3, 27).verify()


def test_a_tampered_event_breaks_consistency_with_an_earlier_tree_head(
    world: Runtime, world_db: Path
) -> None:
    trusted = ledger_tree_head(world.ledger, 27)
    with raw(world_db) as conn:
        conn.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
            "'\"reject\"', '\"accept\"') AS BLOB) WHERE rowid = 24"
        )

    proof = prove_consistency(world.ledger, 27)

    assert proof.verify()  # self-consistent, but about a different history:
    assert proof.first_root != trusted
    assert not verify_consistency(
        27,
        proof.second,
        bytes.fromhex(trusted),
        bytes.fromhex(proof.second_root),
        [bytes.fromhex(p) for p in proof.path],
    )


def test_raw_sqlite_and_the_ledger_agree_on_the_leaves(world: Runtime, world_db: Path) -> None:
    with sqlite3.connect(world_db) as conn:
        count = conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]

    assert prove_inclusion(world.ledger, count).size == count == world.ledger.head()


def test_a_publication_pins_the_merkle_tree_head_of_its_prefix(world: Runtime) -> None:
    from ledger.proofs import ledger_tree_head
    from projections.publications import publications

    world.catch_up()
    for publication in publications(world.db):
        assert publication.tree_head == ledger_tree_head(world.ledger, publication.position)


def test_cli_proves_an_older_publication_is_a_prefix_of_the_head(
    world: Runtime, world_db: Path, cli: Cli
) -> None:
    import json

    from projections.publications import publications

    world.catch_up()
    first = publications(world.db)[0]
    result = cli(world_db, "prove", "consistency", "--first", str(first.position))
    proof = json.loads(result.stdout)
    assert result.returncode == 0 and proof["verified"] is True
    assert proof["first_root"] == first.tree_head
    assert proof["second"] == world.ledger.head()
    inclusion = json.loads(
        cli(world_db, "prove", "inclusion", "--position", "3", "--size", str(first.position)).stdout
    )
    assert inclusion["verified"] is True and inclusion["root"] == first.tree_head
    refused = cli(world_db, "prove", "inclusion", "--position", str(10**6))
    assert refused.returncode == 2 and "outside the log" in refused.stderr


def recursive_tree_head(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 §2.1.1 defines it: split at the largest power of two below n."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(recursive_tree_head(leaves[:k]), recursive_tree_head(leaves[k:]))


def test_the_level_by_level_tree_head_is_rfc_9162s_for_every_size_up_to_130() -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(130)]

    for size in range(131):
        assert tree_head(leaves, size) == recursive_tree_head(leaves[:size]), size


def test_the_frontier_gives_every_prefix_tree_head_keeping_one_root_per_bit_of_its_size() -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(300)]
    frontier = Frontier()

    for size, leaf in enumerate(leaves, start=1):
        frontier.add(leaf)

        assert frontier.root() == recursive_tree_head(leaves[:size]), size
        assert len(frontier._roots) == size.bit_count()  # O(log n), never the leaves


@given(st.lists(st.integers(min_value=0, max_value=70), max_size=12))
@settings(max_examples=100)
def test_the_frontier_extended_in_runs_of_any_length_is_the_same_tree(runs: list[int]) -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(sum(runs))]
    frontier, done = Frontier(), 0

    for run in runs:
        frontier.extend(leaves[done : done + run])
        done += run

    assert frontier.size == len(leaves)
    assert frontier.root() == recursive_tree_head(leaves)


@given(
    st.integers(min_value=0, max_value=2**70),
    st.text(),
    st.integers(min_value=0, max_value=2**40),
    st.text(),
    st.text(),
)
@settings(max_examples=300)
def test_canonical_bytes_are_json_dumps_of_the_event_array(
    position: int, originator: str, version: int, topic: str, stored: str
) -> None:
    values = [position, originator, version, topic, stored]
    expected = json.dumps(values, ensure_ascii=False, separators=(",", ":"))

    try:
        expected_bytes = expected.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be stored either way
        with pytest.raises(UnicodeEncodeError):
            canonical(position, originator, version, topic, stored)
        return
    assert canonical(position, originator, version, topic, stored) == expected_bytes


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2**70),
            st.text(),
            st.integers(min_value=0, max_value=2**40),
            st.text(),
            st.text(),
        ),
        max_size=5,
    )
)
@settings(max_examples=300)
def test_canonical_lines_are_the_canonical_bytes_of_each_event(
    events: list[tuple[int, str, int, str, str]],
) -> None:
    try:
        expected = [canonical(*event) for event in events]
    except UnicodeEncodeError:  # a lone surrogate: refused either way
        with pytest.raises((UnicodeEncodeError, msgspec.EncodeError)):
            canonical_lines(events)
        return
    assert canonical_lines(events) == expected


def test_canonical_lines_escape_every_character_as_json_dumps_does() -> None:
    # Every code point but the surrogates, in a stored text and a topic, beside big integers.
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    events = [(2**64, "id", 1, text[:4096], text), (1, '"\\', 2**63, "\n", "\u2028\x7f")]

    assert canonical_lines(events) == [canonical(*event) for event in events]


def test_a_frontier_grown_from_subtree_roots_has_the_head_of_the_leaves() -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(13)]
    grown = Frontier()

    grown.add_subtree(tree_head(leaves[:8]), 8)
    grown.add_subtree(tree_head(leaves[8:12]), 4)
    grown.extend(leaves[12:])

    assert (grown.size, grown.root()) == (13, tree_head(leaves))
    for count in (3, 2):  # not a power of two; not aligned after 13 leaves
        with pytest.raises(ValueError, match=f"subtree of {count} leaves is not aligned"):
            grown.add_subtree(EMPTY_ROOT, count)


def test_a_kept_tree_keeps_its_head_at_each_kept_size_whatever_the_runs() -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(10)]
    whole, streamed = KeptTree([3, 4, 10]), KeptTree([3, 4, 10, 11])

    reached = whole.add(leaves)
    runs = [streamed.add(leaves[start : start + 3]) for start in range(0, 10, 3)]

    heads = {size: tree_head(leaves[:size]).hex() for size in (3, 4, 10)}
    assert whole.finish() == (tree_head(leaves).hex(), heads)
    assert streamed.finish() == whole.finish()  # 11: not reached, so not kept
    # Each run says which kept sizes it reached, where the walk keeps its chain hashes.
    assert reached == [3, 4, 10]
    assert runs == [[3], [4], [], [10]]
