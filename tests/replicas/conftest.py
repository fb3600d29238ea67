"""Three replicas shared by the tests that need no configuration of their own
(each works on incidents and tokens of its own); a test that configures or
kills replicas starts its own (`tests.replicas.cluster.cluster`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.replicas.cluster import Cluster, cluster


@pytest.fixture(scope="session")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with cluster(tmp_path_factory.mktemp("replicas")) as started:
        yield started
