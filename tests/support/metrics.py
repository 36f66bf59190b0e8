"""Read a Prometheus text page the way Prometheus does (prometheus_client's parser)."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> list[tuple[str, dict, float]]:
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def value(text: str, name: str, **labels) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 when none)."""
    return sum(
        v
        for n, have, v in samples(text)
        if n == name and all(have.get(k) == w for k, w in labels.items())
    )


def names(text: str) -> set[str]:
    """Every metric family named on the page (HELP lines included: a counter with no sample
    yet is still exported)."""
    return {family.name for family in text_string_to_metric_families(text)}
