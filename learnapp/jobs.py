"""Background jobs of the app process: the certificate worker and housekeeping (pending work lives in the database)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from learnapp.domain.clock import utcnow
from learnapp.metrics import ERRORS
from learnapp.persistence.checkpoint import Checkpointer
from learnapp.persistence.db import Database, default_database
from learnapp.services.integrations.webhook_delivery import run_round as webhook_round
from learnapp.services.integrations.xapi import run_round as xapi_round
from learnapp.services.mail.transport import configured_transport
from learnapp.services.mail.worker import MailWorker
from learnapp.services.notices.certificates import issue_due
from learnapp.services.operations.housekeeping import purge

log = logging.getLogger("learnapp.jobs")
POLL_SECONDS = 1.0
# Ended sessions and old client event ids only take room: once an hour is plenty (several workers may each run it;
# deleting what is already gone is harmless).
HOUSEKEEPING_SECONDS = 3600.0


async def certificate_worker() -> None:
    """Runs for the app's lifetime; a restart simply picks up whatever is still pending."""
    while True:
        try:
            # Each issued certificate's unit of work tells the learner's open tabs ("certificate ready").
            await asyncio.to_thread(issue_due, default_database())
        except Exception:  # keep the worker alive; the failure is logged and the job retried later
            ERRORS.labels("certificate_worker").inc()
            log.exception("certificate worker round failed")
        await asyncio.sleep(POLL_SECONDS)


async def checkpoint_worker() -> None:
    """Keeps SQLite's WAL checkpointed from a thread of its own for the app's lifetime (clicks never pay for it)."""
    checkpointer = Checkpointer(default_database()).start()
    try:
        await asyncio.Event().wait()  # until the app shuts down and cancels this task
    finally:
        await asyncio.to_thread(checkpointer.stop)


async def housekeeping_worker() -> None:
    """Purges ended sessions and expired client event ids at start and then every hour, for the app's lifetime."""
    while True:
        try:
            purged = await asyncio.to_thread(purge, default_database(), utcnow())
            log.info("housekeeping", extra={"sessions": purged.sessions, "client_events": purged.client_events})
        except Exception:  # keep the worker alive; the next round tries again
            ERRORS.labels("housekeeping").inc()
            log.exception("housekeeping round failed")
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


async def mail_worker() -> None:
    """Queues email notices from the outbox, reminds quiet learners and delivers due mail, for the app's lifetime."""
    worker = MailWorker(default_database(), configured_transport())
    log.info("mail delivery", extra={"to": worker.transport.describe()})  # where demo mail (.eml files) goes
    while True:
        try:
            await asyncio.to_thread(worker.round)
        except Exception:  # keep the worker alive; the queue is in the database and the next round goes on
            ERRORS.labels("mail_worker").inc()
            log.exception("mail worker round failed")
        await asyncio.sleep(POLL_SECONDS)


async def webhook_worker() -> None:
    """Fans outbox events out to webhook endpoints and posts what is due (retries wait in the database)."""
    await _integration_loop("webhook_worker", webhook_round)


async def xapi_worker() -> None:
    """Turns outbox events into xAPI statements and sends them to the LRS, when LEARNAPP_XAPI_URL is set."""
    await _integration_loop("xapi_worker", xapi_round)


async def _integration_loop(name: str, round_: Callable[[Database], object]) -> None:
    while True:
        try:
            await asyncio.to_thread(round_, default_database())
        except Exception:  # keep the worker alive; its queue is in the database and the next round goes on
            ERRORS.labels(name).inc()
            log.exception("%s round failed", name)
        await asyncio.sleep(POLL_SECONDS)
