"""The servers tests start: ports from the kernel or a private socket, never a probed port someone else took first."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import sqlalchemy

from tests import backing
from tests.integrations.receiver import Receiver
from tests.mail.conftest import Inbox, SmtpServer


@pytest.fixture
def squatter() -> Iterator[int]:
    """A port another program listens on (and never answers)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.slow  # starts Redis twice: `make test` runs it, `make test-fast` does not
def test_redis_moves_to_another_port_when_its_probed_one_was_taken_meanwhile(
    squatter: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered = iter([squatter])
    probe = backing.free_port
    monkeypatch.setattr(backing, "free_port", lambda: next(offered, None) or probe())
    with backing.redis_server(tmp_path) as url:
        assert f":{squatter}" not in url
        client = redis.Redis.from_url(url, socket_timeout=5)
        assert client.ping()
        client.close()


@pytest.mark.slow  # initialises and starts a PostgreSQL cluster
def test_the_test_cluster_listens_on_its_own_socket_and_no_tcp_port() -> None:
    with backing.postgres_server() as url:
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT inet_server_port()").scalar() is None  # a unix socket
                assert conn.exec_driver_sql("SHOW listen_addresses").scalar() == ""
        finally:
            engine.dispose()


def test_a_webhook_receiver_holds_its_port_refusing_until_it_starts() -> None:
    receiver = Receiver()
    try:
        port = receiver.port
        assert refused(port)  # known and reserved, but nothing listens yet
        with socket.socket() as other, pytest.raises(OSError):  # nobody else can take it meanwhile
            other.bind(("127.0.0.1", port))
        receiver.start()
        assert receiver.port == port
        assert httpx.get(receiver.url, timeout=5).status_code == 501  # it takes POSTs only: answered, so it listens
    finally:
        receiver.stop()
    assert refused(port)


def test_the_smtp_server_takes_its_port_from_the_kernel_and_keeps_it_across_an_outage() -> None:
    server = SmtpServer(Inbox())
    server.start()
    try:
        port = server.port
        assert port > 0 and not refused(port)
        server.stop()
        assert refused(port)
        server.start()
        assert server.port == port and not refused(port)
    finally:
        server.stop()
