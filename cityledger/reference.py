"""The illustrative reference ledger shipped with cityledger (2022-2024), loaded once per database.

Files load in log order: asia-2023, g20-2023, then the 2022 edition's retrospective record
(recorded after the 2023 editions, since the ledger's clock never runs backwards), then
asia-2024. A database that already holds some of them gets the others appended, untouched
otherwise; one whose head is later than a missing file's first record is refused, not backdated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from cityledger.bootstrap import Runtime
from cityledger.importer import Command, parse, run
from ledger.errors import InvalidState, LedgerError
from projections import catalogue
from projections import publications as published

DATA = Path(__file__).resolve().parent.parent / "reference" / "data"
#: Reference files in load order: the edition each creates and its publications when complete.
FILES = (
    ("asia-2023", "asia-2023.commands.jsonl", 1),
    ("g20-2023", "g20-2023.commands.jsonl", 1),
    ("asia-2022", "asia-2022.commands.jsonl", 1),
    ("asia-2024", "asia-2024.commands.jsonl", 3),
)


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
    for edition_id, name, publications in FILES:
        rt.catch_up()
        if any(e.edition_id == edition_id for e in catalogue.editions(rt.db)):
            if len(published.publications(rt.db, edition_id)) < publications:
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
        head = rt.ledger.head_time()
        if head is not None and commands and head > commands[0].at:
            raise InvalidState(
                f"reference edition {edition_id} is recorded from {commands[0].at.isoformat()}, "
                f"but this ledger's head is later ({head.isoformat()}): it cannot be appended "
                "without backdating; load the reference into an empty database",
                field="edition_id",
                value=edition_id,
            )
        if progress is not None:
            progress(f"loading {edition_id}: {len(commands)} commands…")
        try:
            count = run(rt.ledger, commands if track is None else track(commands, edition_id))
        except LedgerError as error:
            raise type(error)(
                f"{name}: {error.message}", field=error.field, value=error.value
            ) from None
        said.append(f"{edition_id}: loaded {count} commands")
    return "; ".join(said) + f"; ledger head at position {rt.catch_up()}"
