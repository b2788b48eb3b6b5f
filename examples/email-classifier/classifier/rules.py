"""Rule-based email classifier in the style of naive Bayes.

Each label has a prior log-odds value and a table of keyword weights, the log-likelihood
ratios a naive Bayes model would learn. An email's score for a label is the prior plus the
weights of the distinct keywords it contains. A softmax over the labels turns the scores
into probabilities, and the most probable label wins. The weights are set by hand for the
demo, not trained on a corpus.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

LABELS = ("ham", "spam", "phishing")

# Prior log-odds: with no keyword at all, an email is ham with probability 0.63.
PRIORS = {"ham": 1.0, "spam": 0.0, "phishing": -0.5}

KEYWORD_WEIGHTS = {
    "ham": {
        "agenda": 1.4,
        "attached": 0.6,
        "lunch": 1.0,
        "meeting": 1.2,
        "minutes": 0.8,
        "notes": 0.9,
        "project": 0.9,
        "report": 0.8,
        "review": 0.7,
        "schedule": 0.8,
        "team": 0.6,
        "thanks": 0.8,
        "tomorrow": 0.6,
    },
    "spam": {
        "bonus": 1.1,
        "buy": 0.6,
        "cash": 1.2,
        "cheap": 1.0,
        "discount": 0.9,
        "free": 1.2,
        "guaranteed": 1.4,
        "limited": 0.7,
        "lottery": 2.0,
        "million": 1.0,
        "offer": 0.8,
        "prize": 1.6,
        "unsubscribe": 0.6,
        "winner": 1.8,
    },
    "phishing": {
        "account": 0.8,
        "bank": 0.9,
        "confirm": 0.9,
        "expire": 1.0,
        "locked": 1.5,
        "login": 1.2,
        "password": 1.5,
        "security": 0.6,
        "ssn": 2.0,
        "suspended": 1.8,
        "urgent": 1.0,
        "verify": 1.4,
    },
}

# Signals that are not words, with the label they count for and their weight.
EXCLAMATIONS_MIN = 3
EXCLAMATIONS_WEIGHT = ("spam", 1.0)
SHOUTED_SUBJECT_MIN_LETTERS = 4
SHOUTED_SUBJECT_WEIGHT = ("spam", 1.0)
LINK_WEIGHT = ("phishing", 0.5)

WORD_PATTERN = re.compile(r"[a-z0-9]+")
LINK_PATTERN = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True)
class Classification:
    """The winning label, its probability, every label's probability and the evidence."""

    label: str
    score: float
    probabilities: dict[str, float]
    matched: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "score": round(self.score, 3),
            "probabilities": {label: round(p, 3) for label, p in self.probabilities.items()},
            "matched": self.matched,
        }


def tokenize(text: str) -> set[str]:
    """Return the distinct lower-case words of the text, and each longer word without a final s."""
    words = set()
    for word in WORD_PATTERN.findall(text.lower()):
        words.add(word)
        if len(word) > 3 and word.endswith("s"):
            words.add(word[:-1])
    return words


def classify(subject: str, body: str) -> Classification:
    """Classify one email as ham, spam or phishing."""
    logits = dict(PRIORS)
    matched: list[str] = []

    words = tokenize(subject) | tokenize(body)
    for label, weights in KEYWORD_WEIGHTS.items():
        for word in sorted(words & weights.keys()):
            logits[label] += weights[word]
            matched.append(word)

    text = f"{subject}\n{body}"
    if text.count("!") >= EXCLAMATIONS_MIN:
        _add_signal(logits, matched, "many-exclamation-marks", EXCLAMATIONS_WEIGHT)
    letters = [c for c in subject if c.isalpha()]
    if len(letters) >= SHOUTED_SUBJECT_MIN_LETTERS and all(c.isupper() for c in letters):
        _add_signal(logits, matched, "upper-case-subject", SHOUTED_SUBJECT_WEIGHT)
    if LINK_PATTERN.search(text):
        _add_signal(logits, matched, "link", LINK_WEIGHT)

    probabilities = _softmax(logits)
    label = max(LABELS, key=lambda name: probabilities[name])
    return Classification(label, probabilities[label], probabilities, matched)


def _add_signal(
    logits: dict[str, float], matched: list[str], name: str, weight: tuple[str, float]
) -> None:
    label, value = weight
    logits[label] += value
    matched.append(name)


def _softmax(logits: dict[str, float]) -> dict[str, float]:
    # Subtracting the maximum keeps exp() from overflowing and does not change the result.
    top = max(logits.values())
    exps = {label: math.exp(value - top) for label, value in logits.items()}
    total = sum(exps.values())
    return {label: exps[label] / total for label in LABELS}
