"""Evidence history of an edition: claims, rounds, votes, withdrawals and resubmissions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from reference.inputs import City
from reference.timeline import Timeline, later
from reference.verifiers import eligible

LANGUAGE_NAMES = {
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "en": "English", "ar": "Arabic",
    "hi": "Hindi", "bn": "Bengali", "ur": "Urdu", "fa": "Persian", "tr": "Turkish",
    "ru": "Russian", "id": "Indonesian", "ms": "Malay", "th": "Thai", "vi": "Vietnamese",
    "he": "Hebrew", "kk": "Kazakh", "my": "Burmese", "ta": "Tamil", "uz": "Uzbek",
    "mn": "Mongolian", "fr": "French",
}  # fmt: skip
KINDS = (
    "municipal work report", "official gazette notice", "operator annual report",
    "statistical yearbook", "ministry press release", "regulator dataset",
    "city plan document", "news report",
)  # fmt: skip
VOTES = {
    "accept": (("accept", "accept"),) * 6
    + (("accept", "accept", "accept"),) * 2
    + (("accept", "reject", "accept"),) * 2,
    "reject": (
        ("reject", "reject"),
        ("reject", "accept", "reject"),
        ("reject", "reject", "reject"),
    ),
    "undecided": (("accept", "reject"), ("accept",), ("reject", "accept")),
}
MIN_ELIGIBLE = 4
ACCEPT_NOTE = "Illustrative: the sources support the claimed rung at city scale."
REJECT_NOTE = "Illustrative: the sources show a plan or a pilot, not the claimed rung in operation."


@dataclass
class EvidenceWriter:
    """Writes the claim lifecycle commands of one edition into a timeline."""

    timeline: Timeline
    edition_id: str
    ladders: dict[str, dict[int, str]]
    names: dict[str, str]
    verifiers: dict[str, list[str]]
    seed: int
    start: datetime
    deadline: datetime
    cutoff: date
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    pools: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    def eligible(self, langs: list[str]) -> list[str]:
        """Verifiers reading every language in langs (memoised)."""
        key = tuple(sorted(set(langs)))
        if key not in self.pools:
            self.pools[key] = eligible(self.verifiers, key)
        return self.pools[key]

    @property
    def span(self) -> int:
        """Days between the first submission and the last regular closure."""
        return (self.deadline - self.start).days

    def _day(self, rng: random.Random, low: int, high: int) -> datetime:
        """A working-hours time on a day offset within [low, high] from the start."""
        day = self.start + timedelta(days=rng.randint(low, max(low, high)))
        return day.replace(hour=rng.randint(8, 17), minute=rng.randrange(0, 60, 5))

    def _claim_id(self, city: City, ind: str) -> str:
        n = self.counters.get((city.city_id, ind), 0) + 1
        self.counters[(city.city_id, ind)] = n
        return f"{self.edition_id}/{city.city_id}/{ind}/{n}"

    def _languages(self, city: City, rng: random.Random) -> list[str]:
        """Source languages: the city's first language, sometimes one more of its own."""
        langs = [city.languages[0]]
        extra = rng.choice(city.languages)
        if rng.random() < 0.45 and extra not in langs:
            langs.append(extra)
        if len(self.eligible(langs)) < MIN_ELIGIBLE:
            langs = langs[:1]
        count = rng.choices((1, 2, 3), weights=(55, 40, 5))[0]
        return [langs[min(k, len(langs) - 1)] for k in range(count)]

    def _sources(
        self, city: City, ind: str, rung: int, claim_id: str, at: datetime, weak: bool,
        rng: random.Random,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Illustrative sources, each in a language of the city's country or English."""
        oldest = date(2012, 1, 1) if ind in ("T1", "I4") else date(2019, 1, 1)
        newest = min(at.date() - timedelta(days=5), self.cutoff)
        # Editions before 2022 (generated ledgers) cite sources from the years before them.
        oldest = min(oldest, newest - timedelta(days=3 * 365))
        what = self.ladders[ind][rung]
        out: list[dict[str, Any]] = []
        for k, lang in enumerate(self._languages(city, rng), start=1):
            kind = rng.choice(KINDS)
            day = oldest + timedelta(days=rng.randint(0, (newest - oldest).days))
            style = rng.random()
            url = f"https://example.org/illustrative/{claim_id}/source-{k}" if style > 0.2 else None
            citation = (
                f"Illustrative citation: {city.name_en} {kind} {day.year}, p. {rng.randint(2, 180)}"
                if style < 0.3
                else None
            )
            claim = f"announces plans towards: {what}" if weak else f"reports: {what}"
            out.append({
                "url": url,
                "citation": citation,
                "title": f"[illustrative] {city.name_en} {kind} on {self.names[ind]} (rung {rung})",
                "language": lang,
                "date": day.isoformat(),
                "excerpt": (
                    f"Illustrative stand-in for a source in {LANGUAGE_NAMES[lang]}, not a real "
                    f"document. {city.name_en} {claim}"
                ),
            })  # fmt: skip
        return out

    def submit(
        self, at: datetime, city: City, ind: str, rung: int, by: str, rng: random.Random,
        weak: bool = False, supersedes: str | None = None,
    ) -> tuple[str, list[str]]:  # fmt: skip
        """Submit a claim; returns its id and the languages of its sources."""
        claim_id = self._claim_id(city, ind)
        sources = self._sources(city, ind, rung, claim_id, at, weak, rng)
        self.timeline.add(
            at, "submit_claim", claim_id=claim_id, edition_id=self.edition_id,
            city_id=city.city_id, indicator_id=ind, rung=rung, sources=sources,
            submitted_by=by, supersedes=supersedes,
        )  # fmt: skip
        return claim_id, sorted({s["language"] for s in sources})

    def round(
        self, claim_id: str, langs: list[str], after: datetime, outcome: str,
        rng: random.Random, used: set[str], decisions: tuple[str, ...] | None = None,
    ) -> datetime:  # fmt: skip
        """Open a round, cast votes giving the outcome, close it; returns the closing time."""
        decisions = decisions or rng.choice(VOTES[outcome])
        times = [later(after, rng, 1, 2)]
        for _ in range(len(decisions) + 1):
            times.append(later(times[-1], rng, 0, 2))
        return self.scripted_round(claim_id, langs, times, decisions, rng, used)

    def scripted_round(
        self, claim_id: str, langs: list[str], times: list[datetime],
        decisions: tuple[str, ...], rng: random.Random, used: set[str],
    ) -> datetime:  # fmt: skip
        """A round at given times: open, one time per vote, close; returns the closing time."""
        assert len(times) == len(decisions) + 2 and times == sorted(times)
        self.timeline.add(times[0], "open_round", claim_id=claim_id)
        pool = self.eligible(langs)
        fresh = [v for v in pool if v not in used]
        chosen = rng.sample(fresh if len(fresh) >= len(decisions) else pool, len(decisions))
        for verifier, decision, at in zip(chosen, decisions, times[1:-1], strict=True):
            used.add(verifier)
            self.timeline.add(
                at, "cast_vote", claim_id=claim_id, verifier_id=verifier, decision=decision,
                note=ACCEPT_NOTE if decision == "accept" else REJECT_NOTE,
            )  # fmt: skip
        return self.timeline.add(times[-1], "close_round", claim_id=claim_id)

    def decided(
        self, at: datetime, city: City, ind: str, rung: int, by: str, rng: random.Random,
        outcome: str, supersedes: str | None = None,
    ) -> tuple[str, datetime]:  # fmt: skip
        """A claim decided in one round (accept or reject); returns id and closing time."""
        weak = outcome == "reject"
        claim_id, langs = self.submit(at, city, ind, rung, by, rng, weak, supersedes)
        return claim_id, self.round(claim_id, langs, at, outcome, rng, set())

    def withdrawn(self, at: datetime, city: City, ind: str, rung: int, by: str,
                  rng: random.Random) -> None:  # fmt: skip
        """A claim withdrawn by its researcher before any round."""
        claim_id, _ = self.submit(at, city, ind, rung, by, rng, weak=True)
        reason = f"Illustrative: rung {rung} overstated; the programme covers only a pilot area."
        self.timeline.add(later(at, rng, 2, 9), "withdraw_claim", claim_id=claim_id,
                          reason=reason, by=by)  # fmt: skip

    def pair(self, city: City, ind: str, rung: int, top: int, by: str) -> None:
        """The whole history of one (city, indicator) pair whose final score is rung."""
        rng = random.Random(f"{self.seed}/{self.edition_id}/{city.city_id}/{ind}")
        roll, span = rng.random(), self.span
        if rung == 0:
            if roll < 0.15:
                self.decided(self._day(rng, 0, span - 11), city, ind, 1, by, rng, "reject")
            elif roll < 0.22:
                self.withdrawn(self._day(rng, 0, span - 11), city, ind, 1, by, rng)
            return
        if rung >= 2 and roll < 0.12 and span > 60:
            _, closed = self.decided(self._day(rng, 0, span // 3), city, ind, rung - 1, by, rng,
                                     "accept")  # fmt: skip
            low = (closed - self.start).days + 5
            self.decided(self._day(rng, low, span - 11), city, ind, rung, by, rng, "accept")
        elif roll < 0.22 and span > 40:
            old, closed = self.decided(self._day(rng, 0, span - 28), city, ind, rung, by, rng,
                                       "reject")  # fmt: skip
            self.decided(later(closed, rng, 2, 6), city, ind, rung, by, rng, "accept", old)
        elif roll < 0.32:
            at = self._day(rng, 0, span - 23)
            claim_id, langs = self.submit(at, city, ind, rung, by, rng)
            used: set[str] = set()
            closed = self.round(claim_id, langs, at, "undecided", rng, used)
            self.round(claim_id, langs, closed, "accept", rng, used)
        else:
            self.decided(self._day(rng, 0, span - 11), city, ind, rung, by, rng, "accept")
            if rung < top and roll > 0.90:
                self.withdrawn(self._day(rng, 0, span - 11), city, ind, rung + 1, by, rng)
            elif rung < top and roll > 0.86:
                self.decided(self._day(rng, 0, span - 11), city, ind, rung + 1, by, rng, "reject")
