"""A translated feed needing more listings feeds than JSON_LISTINGS_FEED's window admits now is
answered at once (as MWS answered every SubmitFeed); the rest is created in the background as
the window admits, survives a restart, and what cannot be sent is reported, never dropped.

The tables are patched to small numbers so the test runs in seconds: 2 messages per listings
feed, 2 listings feeds per 2-second window (one more per second).
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from gateway.catalog import default_mappings_dir
from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.feeds import feeds_state
from tests.conftest import AuditCapture
from tests.feeds import samples
from tests.feeds.test_app_feeds import V, result, submission_id, submit
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

pytestmark = pytest.mark.anyio
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"


def small_window_mappings(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    if target.exists():
        return target
    shutil.copytree(default_mappings_dir(), target)
    path = target / "feeds" / "translation.yaml"
    table = yaml.safe_load(path.read_text())
    table.update(max_messages_per_feed=2, submissions_per_window=2, submission_window_seconds=2)
    path.write_text(yaml.safe_dump(table))
    return target


def nine_messages(skus: list[str]) -> bytes:
    return samples.envelope(
        "Inventory", *(samples.inventory(i + 1, sku, 100 + i) for i, sku in enumerate(skus))
    )


async def status_of(mws: MwsClient, feed_id: str) -> str | None:
    listed = await mws.call("/", "GetFeedSubmissionList", V, {"FeedSubmissionIdList.Id.1": feed_id})
    root = assert_valid_mws_xml(listed.content)
    return find_text(root, "GetFeedSubmissionListResult/FeedSubmissionInfo/FeedProcessingStatus")


def settings(tmp_path: Path) -> Any:
    return demo_settings(tmp_path, mappings_dir=str(small_window_mappings(tmp_path)))


async def test_parts_beyond_the_window_are_created_in_the_background(
    tmp_path: Path, audit_log: AuditCapture
) -> None:
    async with running_gateway(settings(tmp_path)) as mws:
        feeds_state(mws.emulator).queue_seconds = 0
        skus = sorted(mws.emulator.data.listings)[:9]
        doc = nine_messages(skus)
        root = await submit(mws, INVENTORY, doc)
        feed_id = submission_id(root)
        assert find_text(root, "SubmitFeedResult/FeedSubmissionInfo/FeedProcessingStatus") == (
            "_SUBMITTED_"
        )
        assert mws.emulator.calls["feeds.createFeed"] == 2  # what the window admitted at once
        (submitted,) = [e for e in audit_log.calls() if e.get("action") == "SubmitFeed"]
        assert submitted["notes"]["feed_parts_in_background"] == 3

        # the two created parts finish, the submission does not: three parts are to come
        mws.emulator.clock.advance(5)
        assert await status_of(mws, feed_id) in ("_SUBMITTED_", "_IN_PROGRESS_")
        # a client re-sending the feed meanwhile gets the same id at once, nothing is resent
        assert submission_id(await submit(mws, INVENTORY, doc)) == feed_id

        with anyio.fail_after(30):
            await mws.app.state.services.background.idle()
        assert mws.emulator.calls["feeds.createFeed"] == 5
        background = [e for e in audit_log.events() if e.get("event") == "background_work"]
        assert all(e["route"] == "background" for e in background)
        assert [e["part"] for e in background if e["outcome"] == "ok"] == [3, 4, 5]
        assert all(e["upstream"][-1]["operation"] == "feeds.createFeed" for e in background)
        spool = mws.app.state.services.settings.data_dir / "feeds" / "A1EXAMPLESELLER"
        assert not spool.exists() or not any(spool.iterdir())  # the part files are gone

        status, body, _ = await result(mws, feed_id)
        assert status == 200, body
        report = ET.fromstring(body).find("Message/ProcessingReport")
        assert report is not None
        assert report.findtext("ProcessingSummary/MessagesProcessed") == "9"
        assert report.findtext("ProcessingSummary/MessagesSuccessful") == "9"
        for i, sku in enumerate(skus):
            assert mws.emulator.data.listing(sku)["quantity"] == 100 + i
        assert await status_of(mws, feed_id) == "_DONE_"


async def test_the_background_work_survives_a_restart(tmp_path: Path) -> None:
    emulator = create_emulator_app(EmulatorConfig(rate_mode="production"))
    state = emulator.state.emulator
    feeds_state(state).queue_seconds = 0
    skus = sorted(state.data.listings)[:9]
    async with running_gateway(settings(tmp_path), emulator_app=emulator) as mws:
        feed_id = submission_id(await submit(mws, INVENTORY, nine_messages(skus)))
        assert state.calls["feeds.createFeed"] == 2
    # the process stopped before the window admitted more; a new one carries on
    created = state.calls["feeds.createFeed"]
    assert created < 5
    async with running_gateway(settings(tmp_path), emulator_app=emulator) as mws:
        with anyio.fail_after(30):
            await mws.app.state.services.background.idle()
        assert state.calls["feeds.createFeed"] == 5
        status, body, _ = await result(mws, feed_id)
        assert status == 200, body
        summary = ET.fromstring(body).find("Message/ProcessingReport/ProcessingSummary")
        assert summary is not None and summary.findtext("MessagesSuccessful") == "9"


async def test_parts_lost_with_their_files_are_reported_not_dropped(tmp_path: Path) -> None:
    emulator = create_emulator_app(EmulatorConfig(rate_mode="production"))
    state = emulator.state.emulator
    feeds_state(state).queue_seconds = 0
    skus = sorted(state.data.listings)[:9]
    async with running_gateway(settings(tmp_path), emulator_app=emulator) as mws:
        feed_id = submission_id(await submit(mws, INVENTORY, nine_messages(skus)))
        services = mws.app.state.services
    shutil.rmtree(services.settings.data_dir / "feeds")  # e.g. an emptyDir gone with its pod
    async with running_gateway(settings(tmp_path), emulator_app=emulator) as mws:
        with anyio.fail_after(30):
            await mws.app.state.services.background.idle()
        assert state.calls["feeds.createFeed"] == 2
        status, body, _ = await result(mws, feed_id)
        assert status == 200, body
        report = ET.fromstring(body).find("Message/ProcessingReport")
        assert report is not None
        assert report.findtext("ProcessingSummary/MessagesProcessed") == "9"
        assert report.findtext("ProcessingSummary/MessagesSuccessful") == "4"
        assert report.findtext("ProcessingSummary/MessagesWithError") == "5"
        unsent = {r.findtext("MessageID") for r in report.findall("Result")}
        assert unsent == {"5", "6", "7", "8", "9"}
