"""Helpers around a finished keras-tuner search."""

import math
import warnings


def _trials(tuner):
    return sorted(tuner.oracle.trials.values(), key=lambda t: int(t.trial_id))


def _last_line(message):
    lines = [line for line in (message or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def check_search(tuner):
    """Raise if every trial failed; warn, naming each error, if some did.

    keras-tuner stops only after three failures in a row, so a search with
    fewer trials can end with every trial failed and a `None` best score,
    quietly. Call this after `tuner.search(...)`.

    Returns:
        The list of completed trials.

    Raises:
        RuntimeError: no trial completed; the message holds each trial's
            error.

    Example:

    ```python
    tuner.search(images, epochs=5)
    check_search(tuner)
    ```
    """
    trials = _trials(tuner)
    completed = [
        t
        for t in trials
        if t.status == "COMPLETED" and t.score is not None and math.isfinite(t.score)
    ]
    failed = [t for t in trials if t not in completed]
    report = "\n".join(
        f"  trial {t.trial_id} ({t.status}): {_last_line(t.message)}" for t in failed
    )
    if not completed:
        raise RuntimeError(f"Every one of the {len(trials)} trials failed:\n{report}")
    if failed:
        warnings.warn(
            f"{len(failed)} of {len(trials)} trials failed:\n{report}", stacklevel=2
        )
    return completed


def trials_table(tuner):
    """One dict per trial: id, status, score and hyperparameter values."""
    rows = []
    for t in _trials(tuner):
        rows.append(
            {
                "trial_id": t.trial_id,
                "status": t.status,
                "score": t.score,
                **t.hyperparameters.values,
                "error": None if t.status == "COMPLETED" else _last_line(t.message),
            }
        )
    return rows
