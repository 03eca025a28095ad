"""Serve the app as `reflex run --env prod` does after its build, with a frontend an earlier served app built.

Run as `python -m tests.e2e.prebuilt` from the checkout with the served app's environment (tests/e2e/server.py puts
the build into the app's own web folder first). It calls what `reflex run --env prod` calls once its build is done:
the production backend with the compiled frontend mounted on the same port; only the build itself is skipped.
"""

from __future__ import annotations

import os

from reflex.utils import exec as reflex_exec
from reflex_base import constants
from reflex_base.config import get_config
from reflex_base.environment import environment


def main() -> None:
    port = int(os.environ["LEARNAPP_PORT"])
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)  # as `reflex run` sets it before it starts the backend
    config = get_config()
    config._set_persistent(frontend_port=port, backend_port=port)  # noqa: SLF001 - what `reflex run` does
    reflex_exec.notify_app_running()
    reflex_exec.run_backend_prod(
        config.backend_host, port, config.loglevel.subprocess_level(), mount_frontend_compiled_app=True
    )


if __name__ == "__main__":
    main()
