"""The illustrative 2023 reference ledger shipped with cityledger, loaded once per database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from cityledger.bootstrap import Runtime
from cityledger.importer import Command, parse, run
from ledger.errors import InvalidState
from projections import queries

DATA = Path(__file__).resolve().parent.parent / "reference" / "data"
#: Reference files in load order, each with the edition it creates.
FILES = (("asia-2023", "asia-2023.commands.jsonl"), ("g20-2023", "g20-2023.commands.jsonl"))


Track = Callable[[list[Command], str], Iterable[Command]]


def load(
    rt: Runtime,
    data: Path = DATA,
    progress: Callable[[str], None] | None = None,
    track: Track | None = None,
) -> str:
    """Import each reference edition that is not yet in the ledger; say what was done.

    `track` wraps each edition's commands (e.g. in a progress bar) as they are recorded.
    """
    said = []
    for edition_id, name in FILES:
        rt.catch_up()
        if any(e.edition_id == edition_id for e in queries.editions(rt.db)):
            if not queries.publications(rt.db, edition_id):
                raise InvalidState(
                    f"reference edition {edition_id} is only partly loaded (an interrupted load?); "
                    "start again from an empty database",
                    field="edition_id",
                    value=edition_id,
                )
            said.append(f"{edition_id}: already loaded")
            continue
        with (data / name).open(encoding="utf-8") as handle:
            commands = parse(handle)
        if progress is not None:
            progress(f"loading {edition_id}: {len(commands)} commands…")
        count = run(rt.ledger, commands if track is None else track(commands, edition_id))
        said.append(f"{edition_id}: loaded {count} commands")
    return "; ".join(said) + f"; ledger head at position {rt.catch_up()}"
