"""crank's speed goals, as ratios against the reference tool of each engine, and their check."""

from __future__ import annotations

from dataclasses import dataclass

SMALL = (1, 5)
LARGE = (20, 50)
ANY_SIZE: tuple[int, ...] = ()
HELP_GOAL_SECONDS = 0.15


@dataclass(frozen=True)
class Goal:
    """crank's median for a phase must be at most `max_ratio` times the reference's median."""

    engine: str
    phase: str
    sizes: tuple[int, ...]
    max_ratio: float

    def applies_to(self, services: int) -> bool:
        return not self.sizes or services in self.sizes


GOALS = (
    Goal("docker", "up", SMALL, 0.9),
    Goal("docker", "up", LARGE, 1.0),
    Goal("docker", "down", SMALL, 0.9),
    Goal("docker", "down", LARGE, 1.0),
    Goal("docker", "up unchanged", ANY_SIZE, 1.0),
    Goal("docker", "status", ANY_SIZE, 1.0),
    Goal("podman", "up", LARGE, 0.45),
    Goal("podman", "down", LARGE, 0.5),
    Goal("podman", "up unchanged", ANY_SIZE, 0.1),
)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one goal for one project size. A median is None when no run succeeded."""

    goal: Goal
    services: int
    crank: float | None
    reference: float | None

    @property
    def ratio(self) -> float | None:
        if self.crank is None or self.reference is None:
            return None
        return self.crank / self.reference

    @property
    def met(self) -> bool:
        return self.ratio is not None and self.ratio <= self.goal.max_ratio

    def describe(self) -> str:
        """Return "met", "not measured", or how far crank is from the goal as a ratio and in seconds."""
        if self.ratio is None or self.crank is None or self.reference is None:
            return "not measured: a run failed"
        if self.met:
            return "met"
        allowed = self.goal.max_ratio * self.reference
        return f"missed by {self.ratio - self.goal.max_ratio:.2f} x ({self.crank - allowed:.2f} s slower than allowed)"


def judge(medians: dict[tuple[str, int, str, str], float], engines: list[str], sizes: list[int]) -> list[Verdict]:
    """Check every goal of the engines run, for every size run that it applies to.

    `medians` maps (engine, services, role, phase) to seconds.
    """
    verdicts = []
    for goal in GOALS:
        if goal.engine not in engines:
            continue
        for services in sizes:
            if goal.applies_to(services):
                crank = medians.get((goal.engine, services, "crank", goal.phase))
                reference = medians.get((goal.engine, services, "reference", goal.phase))
                verdicts.append(Verdict(goal, services, crank, reference))
    return verdicts
