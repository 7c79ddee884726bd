"""Index versions shared through an S3-compatible object store: published by the host
that builds them, fetched, verified and served by a host that lacks them, refused when
corrupt, never overwritten, rolled back and deleted like local ones."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.core.objectstore import (
    ObjectExists,
    ObjectStore,
    ObjectStoreError,
    S3ObjectStore,
    object_store,
)
from apfa.knowledge.corpus_jobs import prune_versions
from apfa.knowledge.flows import ingest_and_publish
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from apfa.knowledge.index.remote import (
    PUBLISHED,
    VersionFetchError,
    fetch_version,
    publish_version,
)
from apfa.knowledge.index.store import Passage, version_dirname, write_version
from apfa.knowledge.index.sync import evict_deleted, sync_once
from apfa.knowledge.index.versions import activate_version, build_version, load_active
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from conftest import CORPUS
from storage_support import object_keys, s3_client, s3_settings
from support import client_as


@dataclass
class Hosts:
    """Host A builds; hosts B and C share its database and bucket but not its disk."""

    a: Settings
    b: Settings
    c: Settings
    endpoint: str
    bucket: str
    maker: async_sessionmaker[AsyncSession]
    store: ObjectStore

    def prefix(self, version: int) -> str:
        return f"apfa/index/versions/{version_dirname(version)}/"


@pytest.fixture
async def hosts(
    isolated_settings: Settings, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> AsyncIterator[Hosts]:
    a = s3_settings(isolated_settings, s3_endpoint, s3_bucket)
    store = object_store(a)
    assert store is not None
    engine = create_engine(a)
    yield Hosts(
        a,
        a.model_copy(update={"var_dir": tmp_path / "host-b"}),
        a.model_copy(update={"var_dir": tmp_path / "host-c"}),
        s3_endpoint,
        s3_bucket,
        create_sessionmaker(engine),
        store,
    )
    await engine.dispose()


async def first_version(hosts: Hosts, embedder: SentenceTransformerEmbedder) -> int:
    report = await ingest_and_publish(
        hosts.maker, embedder, hosts.a.index_dir, [CORPUS], store=hosts.store
    )
    assert report.index_version is not None
    return report.index_version


def fetches(outcome: str) -> float:
    return REGISTRY.get_sample_value("apfa_index_fetches_total", {"outcome": outcome}) or 0.0


async def test_a_build_publishes_every_file_and_then_its_checksums(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    version = await first_version(hosts, embedder)
    local = hosts.a.index_dir / version_dirname(version)
    names = sorted(p.name for p in local.iterdir())
    assert {"index.faiss", "chunks.jsonl", "manifest.json"} <= set(names)

    prefix = hosts.prefix(version)
    keys = object_keys(hosts.endpoint, hosts.bucket, prefix)
    assert keys == sorted([prefix + n for n in names] + [prefix + PUBLISHED])
    body = s3_client(hosts.endpoint).get_object(Bucket=hosts.bucket, Key=prefix + PUBLISHED)
    published = json.loads(body["Body"].read())
    assert published["directory"] == local.name
    assert published["files"] == {
        n: hashlib.sha256((local / n).read_bytes()).hexdigest() for n in names
    }
    assert published["sizes"] == {n: (local / n).stat().st_size for n in names}


async def test_a_host_without_the_version_fetches_verifies_and_serves_it(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    version = await first_version(hosts, embedder)
    assert not hosts.b.index_dir.exists()
    fetched = fetches("fetched")

    app = create_app(hosts.b, embedder=embedder)
    async with app.router.lifespan_context(app):
        current = INDEX_HOLDER.of(app).current
        assert current is not None
        assert current.version == version
        assert (hosts.b.index_dir / version_dirname(version) / "index.faiss").is_file()
        client, headers = await client_as(app, "s3-host-b-admin", Role.ADMIN)
        try:
            response = await client.get(
                "/api/v1/kb/search",
                params={"q": "cancel private mortgage insurance", "k": 3},
                headers=headers,
            )
        finally:
            await client.aclose()
        assert response.status_code == 200, response.text
        assert response.json()["items"][0]["title"] == "Private Mortgage Insurance"
    assert fetches("fetched") == fetched + 1


async def test_a_new_activation_is_fetched_by_the_other_host(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    first = await first_version(hosts, embedder)
    holder = IndexHolder()
    served, stamp = await load_active(hosts.maker, hosts.b.index_dir, hosts.store)
    assert served is not None
    assert served.version == first
    holder.swap(served, stamp)

    second = await build_version(hosts.maker, embedder, hosts.a.index_dir, store=hosts.store)
    await activate_version(hosts.maker, hosts.a.index_dir, second.version, store=hosts.store)
    assert await sync_once(hosts.maker, hosts.b.index_dir, holder, store=hosts.store)
    assert holder.current is not None
    assert holder.current.version == second.version


@pytest.mark.parametrize("damage", ["altered", "missing"])
async def test_a_corrupt_version_is_refused_and_the_host_stays_on_its_version(
    hosts: Hosts, embedder: SentenceTransformerEmbedder, damage: str
) -> None:
    first = await first_version(hosts, embedder)
    holder = IndexHolder()
    served, stamp = await load_active(hosts.maker, hosts.c.index_dir, hosts.store)
    assert served is not None
    holder.swap(served, stamp)

    second = await build_version(hosts.maker, embedder, hosts.a.index_dir, store=hosts.store)
    key = hosts.prefix(second.version) + "chunks.jsonl"
    raw = s3_client(hosts.endpoint)
    if damage == "altered":
        original = raw.get_object(Bucket=hosts.bucket, Key=key)["Body"].read()
        raw.put_object(Bucket=hosts.bucket, Key=key, Body=original.replace(b"a", b"e", 1))
    else:
        raw.delete_object(Bucket=hosts.bucket, Key=key)
    # Host A built it and loads its own verified copy; host C must fetch the damaged one.
    await activate_version(hosts.maker, hosts.a.index_dir, second.version, store=hosts.store)
    refused = fetches("refused")

    assert not await sync_once(hosts.maker, hosts.c.index_dir, holder, store=hosts.store)

    assert holder.current is not None

    assert holder.current.version == first
    assert fetches("refused") == refused + 1
    assert sorted(p.name for p in hosts.c.index_dir.iterdir()) == [version_dirname(first)]
    # The next poll does not download the refused version again straight away.
    assert not await sync_once(hosts.maker, hosts.c.index_dir, holder, store=hosts.store)
    assert fetches("refused") == refused + 1


async def test_a_rollback_fetches_an_older_version_the_host_never_had(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    first = await first_version(hosts, embedder)
    second = await build_version(hosts.maker, embedder, hosts.a.index_dir, store=hosts.store)
    await activate_version(hosts.maker, hosts.a.index_dir, second.version, store=hosts.store)
    holder = IndexHolder()
    served, stamp = await load_active(hosts.maker, hosts.b.index_dir, hosts.store)
    assert served is not None
    assert served.version == second.version
    holder.swap(served, stamp)
    assert not (hosts.b.index_dir / version_dirname(first)).exists()

    rolled = await activate_version(
        hosts.maker, hosts.b.index_dir, first, holder, store=hosts.store
    )

    assert rolled.version == first
    assert holder.current is not None
    assert holder.current.version == first
    assert (hosts.b.index_dir / version_dirname(first)).is_dir()


async def test_a_published_version_is_never_overwritten(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    version = await first_version(hosts, embedder)
    prefix = hosts.prefix(version)
    raw = s3_client(hosts.endpoint)
    before = raw.get_object(Bucket=hosts.bucket, Key=prefix + PUBLISHED)["Body"].read()

    with pytest.raises(ObjectStoreError, match="already published"):
        publish_version(hosts.store, hosts.a.index_dir / version_dirname(version))
    # Below the check: the store itself refuses to replace any object of a version, with
    # the conditional put and with check-then-put for servers without it.
    for conditional in (True, False):
        store = S3ObjectStore(raw, hosts.bucket, "apfa", conditional_put=conditional)
        relative = prefix.removeprefix("apfa/")
        with pytest.raises(ObjectExists):
            store.put_bytes(relative + "chunks.jsonl", b"replaced", if_absent=True)

    assert raw.get_object(Bucket=hosts.bucket, Key=prefix + PUBLISHED)["Body"].read() == before
    chunks = raw.get_object(Bucket=hosts.bucket, Key=prefix + "chunks.jsonl")["Body"].read()
    local = hosts.a.index_dir / version_dirname(version) / "chunks.jsonl"
    assert chunks == local.read_bytes()


async def test_pruning_old_versions_deletes_their_objects_and_other_hosts_copies(
    hosts: Hosts, embedder: SentenceTransformerEmbedder
) -> None:
    first = await first_version(hosts, embedder)
    served, _ = await load_active(hosts.maker, hosts.b.index_dir, hosts.store)
    assert served is not None
    second = await build_version(hosts.maker, embedder, hosts.a.index_dir, store=hosts.store)
    third = await build_version(hosts.maker, embedder, hosts.a.index_dir, store=hosts.store)
    await activate_version(hosts.maker, hosts.a.index_dir, second.version, store=hosts.store)

    removed = await prune_versions(hosts.maker, hosts.a.index_dir, 1, hosts.store)

    assert removed == [first]
    assert object_keys(hosts.endpoint, hosts.bucket, hosts.prefix(first)) == []
    for kept in (second.version, third.version):
        assert hosts.prefix(kept) + PUBLISHED in object_keys(
            hosts.endpoint, hosts.bucket, hosts.prefix(kept)
        )
    assert (hosts.b.index_dir / version_dirname(first)).is_dir()
    assert await evict_deleted(hosts.maker, hosts.b.index_dir) == [version_dirname(first)]
    assert not (hosts.b.index_dir / version_dirname(first)).exists()


def test_every_file_of_a_version_travels_whatever_its_name(
    s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    store = S3ObjectStore(s3_client(s3_endpoint), s3_bucket, "apfa")
    built = tmp_path / "builder"
    vectors = np.random.default_rng(7).normal(size=(3, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    passages = [Passage(i, f"doc-{i}", f"Title {i}", ("H",), f"text {i}") for i in range(3)]
    write_version(built, version=4, model="test", vectors=vectors, passages=passages)
    extra = built / version_dirname(4) / "lexical.bm25"
    extra.write_bytes(b"a file the store has never heard of")
    publish_version(store, built / version_dirname(4))

    fetched = fetch_version(store, tmp_path / "other" / version_dirname(4))

    assert (fetched / "lexical.bm25").read_bytes() == extra.read_bytes()
    assert sorted(p.name for p in fetched.iterdir()) == sorted(
        p.name for p in extra.parent.iterdir()
    )
    with pytest.raises(VersionFetchError, match="not published"):
        fetch_version(store, tmp_path / "other" / version_dirname(5))
