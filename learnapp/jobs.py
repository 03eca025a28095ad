"""Background jobs of the app process: the certificate worker (pending work lives in the database)."""

from __future__ import annotations

import asyncio
import logging

from learnapp.metrics import ERRORS
from learnapp.persistence.db import default_database
from learnapp.services.certificates import issue_due
from learnapp.services.live import progress_changed

log = logging.getLogger("learnapp.jobs")
POLL_SECONDS = 1.0


async def certificate_worker() -> None:
    """Runs for the app's lifetime; a restart simply picks up whatever is still pending."""
    while True:
        learners: list[int] = []
        try:
            await asyncio.to_thread(issue_due, default_database(), issued_to=learners)
            for learner_id in set(learners):
                await progress_changed(learner_id)  # the learner's open tabs show "certificate ready"
        except Exception:  # keep the worker alive; the failure is logged and the job retried later
            ERRORS.labels("certificate_worker").inc()
            log.exception("certificate worker round failed")
        await asyncio.sleep(POLL_SECONDS)
