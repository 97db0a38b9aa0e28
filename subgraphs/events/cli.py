"""`events`: run processors and look after the event streams.

    events run NAME              run a processor (search-index, analytics, notifications)
    events status                streams and consumers: messages, pending, redeliveries
    events tail [SUBJECT]        print events as they arrive (--from-start, --count N)
    events dlq list              dead letters: sequence, processor, event, attempts, error
    events dlq replay ID|--all   give dead letters back to their processor

Settings: NATS_URL (default nats://127.0.0.1:4222), EVENTS_NAMESPACE; processors also
read PROCESSOR_MAX_DELIVER, PROCESSOR_BACKOFF, PROCESSOR_ACK_WAIT and their databases'
settings (DATABASE_URL, MONGODB_URI / MONGODB_DB). See docs/events.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError

from router.telemetry.logs import configure_logging
from subgraphs.events.broker import BROKER_ERRORS, Broker
from subgraphs.events.settings import EventSettings
from subgraphs.processors.registry import PROCESSORS

Echo = Callable[[str], None]


def settings_from_env() -> EventSettings:
    return EventSettings.from_env() or EventSettings(
        namespace=os.environ.get("EVENTS_NAMESPACE", "")
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run an event processor")
    run.add_argument("name", choices=sorted(PROCESSORS))
    commands.add_parser("status", help="streams and consumers")
    tail = commands.add_parser("tail", help="print events as they arrive")
    tail.add_argument("subject", nargs="?", default=">", help="e.g. records.> (default: all)")
    tail.add_argument("--from-start", action="store_true", help="from the oldest kept event")
    tail.add_argument("--count", type=int, default=0, help="stop after N events")
    tail.add_argument("--timeout", type=float, default=0, help="stop after N idle seconds")
    dlq = commands.add_parser("dlq", help="dead letters")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    dlq_commands.add_parser("list", help="list dead letters")
    replay = dlq_commands.add_parser("replay", help="give dead letters back to their processor")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", help="dead-letter sequence number or event id")
    which.add_argument("--all", action="store_true")
    return parser


async def _connected(settings: EventSettings) -> Broker:
    broker = Broker(settings, "events-cli")
    await broker.connect(attempts=2)
    return broker


async def run_processor(name: str, settings: EventSettings) -> int:
    from subgraphs.processors.runtime import ProcessorRuntime, RuntimeSettings

    runtime = ProcessorRuntime(PROCESSORS[name](), settings, RuntimeSettings.from_env())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runtime.stop)
    await runtime.run()
    return 0


async def status(settings: EventSettings, echo: Echo) -> int:
    broker = await _connected(settings)
    try:
        for stream in (settings.events_stream, settings.dlq_stream):
            info = await broker.js.stream_info(stream)
            echo(
                f"stream {stream}: {info.state.messages} messages, "
                f"max_age {info.config.max_age:g}s, subjects {info.config.subjects}"
            )
            for consumer in await broker.js.consumers_info(stream):
                echo(
                    f"  consumer {consumer.name}: pending {consumer.num_pending}, "
                    f"unacked {consumer.num_ack_pending}, redelivered {consumer.num_redelivered}"
                )
    finally:
        await broker.close()
    return 0


async def tail(args: argparse.Namespace, settings: EventSettings, echo: Echo) -> int:
    broker = await _connected(settings)
    seen = 0
    try:
        policy = DeliverPolicy.ALL if args.from_start else DeliverPolicy.NEW
        sub = await broker.js.subscribe(
            settings.subject(args.subject),
            stream=settings.events_stream,
            ordered_consumer=True,
            deliver_policy=policy,
        )
        while not args.count or seen < args.count:
            try:
                message = await sub.next_msg(timeout=args.timeout or 3600.0)
            except TimeoutError:
                break
            echo(f"{message.subject} {message.data.decode(errors='replace')}")
            seen += 1
    finally:
        await broker.close()
    return 0


async def _dead_letters(broker: Broker, settings: EventSettings) -> list[dict[str, Any]]:
    info = await broker.js.stream_info(settings.dlq_stream)
    letters: list[dict[str, Any]] = []
    if not info.state.messages:
        return letters
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            message = await broker.js.get_msg(settings.dlq_stream, sequence)
        except NotFoundError:
            continue  # replayed (deleted)
        headers = message.headers or {}
        try:
            event_type = json.loads(message.data or b"{}").get("type", "?")
        except (ValueError, AttributeError):
            event_type = "?"
        letters.append(
            {
                "sequence": sequence,
                "processor": headers.get("Events-Processor", "?"),
                "eventId": headers.get("Events-Event-Id", ""),
                "type": event_type,
                "attempts": headers.get("Events-Attempts", "?"),
                "subject": headers.get("Events-Subject", ""),
                "error": headers.get("Events-Error", ""),
                "data": message.data or b"",
            }
        )
    return letters


async def dlq_list(settings: EventSettings, echo: Echo) -> int:
    broker = await _connected(settings)
    try:
        letters = await _dead_letters(broker, settings)
    finally:
        await broker.close()
    for letter in letters:
        echo(
            f"{letter['sequence']}\t{letter['processor']}\t{letter['eventId']}\t"
            f"{letter['type']}\tattempts={letter['attempts']}\t{letter['error']}"
        )
    echo(f"{len(letters)} dead letters")
    return 0


async def dlq_replay(args: argparse.Namespace, settings: EventSettings, echo: Echo) -> int:
    broker = await _connected(settings)
    try:
        letters = await _dead_letters(broker, settings)
        if not args.all:
            letters = [
                d for d in letters if args.id in {str(d["sequence"]), d["eventId"]} and args.id
            ]
            if not letters:
                echo(f"no dead letter {args.id!r}")
                return 1
        for letter in letters:
            subject = settings.replay_subject(letter["processor"], letter["subject"])
            msg_id = f"replay:{settings.dlq_stream}:{letter['sequence']}"
            await broker.publish_raw(subject, letter["data"], {"Nats-Msg-Id": msg_id})
            await broker.js.delete_msg(settings.dlq_stream, letter["sequence"])
            echo(f"replayed {letter['sequence']} ({letter['eventId']}) to {letter['processor']}")
        echo(f"{len(letters)} replayed")
    finally:
        await broker.close()
    return 0


async def dispatch(args: argparse.Namespace, echo: Echo = print) -> int:
    settings = settings_from_env()
    if args.command == "run":
        return await run_processor(args.name, settings)
    if args.command == "status":
        return await status(settings, echo)
    if args.command == "tail":
        return await tail(args, settings, echo)
    if args.dlq_command == "list":
        return await dlq_list(settings, echo)
    return await dlq_replay(args, settings, echo)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(os.environ.get("LOG_LEVEL", "info"))
    if args.command != "run":
        logging.getLogger("subgraphs.events").setLevel(logging.ERROR)
    try:
        return asyncio.run(dispatch(args, lambda line: print(line, flush=True)))
    except BROKER_ERRORS as exc:
        print(f"error: NATS unavailable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
