"""Run by Ralph's own Python (.tools/ralph): the Ralph LRS API on the file-system backend, without a reloader.

Ralph 5.1's file-system LRS backend writes its one statements file with the "create" operation, so every POST after
the first fails with a 500 ("already exists"); appending is what an LRS on one file needs. Only that default is
changed: validation, the same-id checks (204 for the same statement, 409 for another) and queries are Ralph's own.
Usage: python ralph_server.py FD: the file descriptor of a bound TCP socket to listen on, handed over by the test
(tests/integrations/lrs.py), which reserved the port before; RALPH_APP_DIR and
RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH set.
"""

import socket
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
bound = socket.socket(fileno=int(sys.argv[1]))  # family and type read from the descriptor
uvicorn.Server(uvicorn.Config("ralph.api:app", log_level="info")).run(sockets=[bound])
