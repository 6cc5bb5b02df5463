"""Calibrated final rungs: every city's 16 indicator scores, reproducing the published bands."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from reference.inputs import DT_IDS, I_IDS, City, band_index

# Score boxes in units of 32 x score (sum of rung x A_i), per band index 0..3.
DT_BOX = {0: (4700, 5900), 1: (3650, 4650), 2: (2400, 3550), 3: (600, 2300)}
I_BOX = {0: (4620, 5700), 1: (3900, 4600), 2: (2750, 3450), 3: (500, 2300)}
TOTAL_BOX = {0: (9000, 11600), 1: (7600, 8950), 2: (5000, 7550), 3: (1200, 4950)}
# Institutional vectors shared by cities under the same national or municipal rules (I1-I8).
TIE_VECTORS: dict[str, tuple[int, ...]] = {
    "cn-national": (3, 3, 2, 2, 2, 1, 2, 2),
    "cn-city-rules": (4, 3, 3, 3, 3, 2, 2, 2),
    "jp-designated": (3, 3, 3, 2, 1, 1, 3, 3),
    "ru-federal": (2, 2, 2, 1, 1, 1, 2, 2),
}
TIE_MEMBERS: dict[str, tuple[str, ...]] = {
    "cn-city-rules": ("chengdu", "guangzhou", "hangzhou", "nanjing", "fuzhou", "nantong",
                      "wuhan", "xian"),
    "jp-designated": ("chiba", "kobe", "kyoto", "nagoya", "osaka", "kawasaki"),
    "ru-federal": ("chelyabinsk", "omsk", "yekaterinburg"),
}  # fmt: skip
CN_OWN_VECTOR = ("haikou", "xiamen", "ningbo", "zhengzhou")
PRESTIGE = ("beijing", "shanghai", "tokyo", "singapore", "seoul", "shenzhen", "hong-kong")
QUANTUM = ("beijing", "shanghai")  # D2 rung 4 (space quantum communication)
# Well-documented facts the illustrative data respects (lowest rung per city and indicator).
FLOORS: dict[tuple[str, str], int] = {
    ("beijing", "D2"): 4, ("shanghai", "D2"): 4, ("beijing", "T1"): 4, ("shanghai", "T1"): 4,
    ("tokyo", "T1"): 4, ("seoul", "T1"): 3, ("hong-kong", "T1"): 3, ("singapore", "T1"): 3,
    ("singapore", "I6"): 3, ("singapore", "D1"): 3, ("guangzhou", "T1"): 3,
    ("shenzhen", "T1"): 3, ("chengdu", "T1"): 3, ("dubai", "T2"): 2,
}  # fmt: skip
# Typical deviation of each indicator from a city's average rung.
OFFSETS = {
    "D1": 0.3, "D2": 0.4, "D3": -0.6, "D4": -0.2, "T1": 0.1, "T2": -0.6, "T3": 0.0, "T4": 0.4,
    "I1": 0.5, "I2": 0.2, "I3": 0.0, "I4": -0.1, "I5": -0.5, "I6": -0.4, "I7": 0.1, "I8": 0.1,
}  # fmt: skip
HALF = 120  # half-width of the target window around a chosen score


def tie_group(city: City) -> str | None:
    """The shared institutional vector a city uses, if any."""
    for group, members in TIE_MEMBERS.items():
        if city.city_id in members:
            return group
    national = city.country == "CN" and city.bands[2] == "10%-30%"
    return "cn-national" if national and city.city_id not in CN_OWN_VECTOR else None


def _bounds(city: City, ind: str) -> tuple[int, int]:
    """Lowest and highest rung plausible for the city on one indicator."""
    low = 1 if ind in ("D2", "I1") or (city.country == "CN" and ind in ("I6", "I7")) else 0
    high = 3 if ind == "I6" else 4
    if ind == "D2" and city.city_id not in QUANTUM:
        high = 3 if city.bands[1] in ("top 10%", "10%-30%") else 2
    return max(low, FLOORS.get((city.city_id, ind), 0)), high


def _realize(
    city: City,
    ids: Sequence[str],
    weights: Mapping[str, int],
    window: tuple[int, int],
    rng: random.Random,
    country_effect: Mapping[str, float],
) -> dict[str, int]:
    """Integer rungs near a noisy profile whose weighted sum falls inside window."""
    lo, hi = window
    avg = (lo + hi) / 2 / sum(weights[i] for i in ids)
    base = {i: avg + OFFSETS[i] + country_effect[i] + rng.gauss(0, 0.45) for i in ids}
    limits = {i: _bounds(city, i) for i in ids}
    rungs = {i: min(max(round(base[i]), limits[i][0]), limits[i][1]) for i in ids}

    def total() -> int:
        return sum(rungs[i] * weights[i] for i in ids)

    while total() < lo:
        up = [i for i in ids if rungs[i] < limits[i][1]]
        rungs[max(up, key=lambda i: base[i] - rungs[i])] += 1
    while total() > hi:
        down = [i for i in ids if rungs[i] > limits[i][0]]
        rungs[min(down, key=lambda i: base[i] - rungs[i])] -= 1
    assert lo <= total() <= hi, (city.city_id, window, rungs)
    return rungs


def _dt_room(city: City, i_score: int) -> tuple[int, int]:
    """Digital+traditional scores that keep both the DT band and the total band."""
    dt_lo, dt_hi = DT_BOX[band_index(city.bands[1])]
    t_lo, t_hi = TOTAL_BOX[band_index(city.bands[0])]
    return max(dt_lo, t_lo - i_score), min(dt_hi, t_hi - i_score)


def _institutional(
    city: City,
    weights: Mapping[str, int],
    rng: random.Random,
    effect: Mapping[str, float],
    position: float,
) -> dict[str, int]:
    """Institutional rungs near the natural position that leave room for the DT score."""
    group = tie_group(city)
    if group is not None:
        return dict(zip(I_IDS, TIE_VECTORS[group], strict=True))
    i_lo, i_hi = I_BOX[band_index(city.bands[2])]
    natural = round(i_lo + HALF + position * (i_hi - i_lo - 2 * HALF))
    candidates = sorted(range(i_lo + HALF, i_hi - HALF + 1, 10), key=lambda v: abs(v - natural))
    for target in candidates:
        inst = _realize(city, I_IDS, weights, (target - HALF, target + HALF), rng, effect)
        lo, hi = _dt_room(city, sum(inst[i] * weights[i] for i in I_IDS))
        if hi - lo >= 2 * HALF:
            return inst
    raise ValueError(f"no feasible institutional score for {city.city_id}")


def _effects(cities: Sequence[City], seed: int) -> dict[str, dict[str, float]]:
    """A shared per-country deviation per indicator (national policy, market)."""
    rng = random.Random(f"{seed}/countries")
    countries = sorted({c.country for c in cities})
    return {k: {i: rng.gauss(0, 0.3) for i in DT_IDS + I_IDS} for k in countries}


def solve(
    cities: Sequence[City], weights: Mapping[str, int], seed: int
) -> dict[str, dict[str, int]]:
    """Final rung (0..4) per city per indicator; weights are the ballot totals A_i."""
    effects = _effects(cities, seed)
    out: dict[str, dict[str, int]] = {}
    for city in cities:
        rng = random.Random(f"{seed}/rungs/{city.city_id}")
        p_inst = 0.85 if city.city_id in PRESTIGE else rng.uniform(0.2, 0.8)
        p_dt = 0.85 if city.city_id in PRESTIGE else rng.uniform(0.2, 0.8)
        inst = _institutional(city, weights, rng, effects[city.country], p_inst)
        lo, hi = _dt_room(city, sum(inst[i] * weights[i] for i in I_IDS))
        assert hi - lo >= 2 * HALF, (city.city_id, lo, hi)
        centre = round(lo + HALF + p_dt * (hi - lo - 2 * HALF))
        dt = _realize(city, DT_IDS, weights, (centre - HALF, centre + HALF), rng,
                      effects[city.country])  # fmt: skip
        out[city.city_id] = {**dt, **inst}
    return out
