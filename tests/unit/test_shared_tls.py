"""The worker's TLS contexts (deployments/preload_worker.py): one verifying context per CA file, shared by
every Prefect client of a process; any other context built as asked."""

from __future__ import annotations

import ssl

import certifi

from deployments.preload_worker import sharing_verified_contexts


def test_a_context_verifying_against_a_ca_file_is_built_once_per_file() -> None:
    create = sharing_verified_contexts(ssl.create_default_context)
    shared = create(cafile=certifi.where())
    assert create(cafile=certifi.where()) is shared
    assert shared.verify_mode == ssl.CERT_REQUIRED and shared.check_hostname
    assert shared.cert_store_stats()["x509_ca"] > 0, "the CA file's certificates are loaded"


def test_any_other_context_is_built_as_asked() -> None:
    create = sharing_verified_contexts(ssl.create_default_context)
    shared = create(cafile=certifi.where())
    assert create() is not create() and create() is not shared
    server = create(ssl.Purpose.CLIENT_AUTH, cafile=certifi.where())
    assert server is not shared and not server.check_hostname
    with open(certifi.where()) as bundle:
        assert create(cadata=bundle.read()) is not shared
