"""Hot reload of the supergraph file.

The file is polled (stat every ``reload_poll_interval`` seconds, then a content
hash): polling works the same on every filesystem, including bind mounts and
ConfigMap symlink swaps where inotify events get lost. A changed file is
parsed into a complete new state first, warmed up with the old state's busiest
operations (warmup.py), and only then swapped in; an invalid
file is logged and the current state keeps serving.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from pathlib import Path

from planner import SupergraphError
from router.config.settings import Settings
from router.execution.subgraph_client import SubgraphClient
from router.ops.warmup import recent_operations, warm_up
from router.state import GatewayState, StateHolder, build_state

log = logging.getLogger("router.ops.reload")


def load_initial(
    path: str, settings: Settings, client: SubgraphClient, holder: StateHolder
) -> None:
    """Load the supergraph at startup; raises on a missing or invalid file."""
    text = Path(path).read_text(encoding="utf-8")
    holder.current = build_state(text, path, settings, client)
    log.info("supergraph loaded from %s (%s)", path, holder.current.sdl_hash[:12])


def _fingerprint(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def try_reload(path: str, settings: Settings, client: SubgraphClient, holder: StateHolder) -> bool:
    """Re-read the file; swap the state when it is valid and different. True if swapped."""
    state = _changed_state(path, settings, client, holder)
    if state is None:
        return False
    _swap(path, holder, state)
    return True


async def reload_warm(
    path: str, settings: Settings, client: SubgraphClient, holder: StateHolder
) -> bool:
    """`try_reload`, with the old state's busiest operations prepared against the new
    state (on this loop, one at a time, see warmup.py) before the swap."""
    warm = recent_operations(holder.current, settings)
    state = _changed_state(path, settings, client, holder)
    if state is None:
        return False
    if warm:
        await warm_up(state, warm, settings)
    _swap(path, holder, state)
    return True


def _changed_state(
    path: str, settings: Settings, client: SubgraphClient, holder: StateHolder
) -> GatewayState | None:
    """The new state for a changed, valid file; None (and the reason recorded) otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        holder.last_reload_error = f"cannot read {path}: {exc}"
        log.error("supergraph reload skipped: %s", holder.last_reload_error)
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    current = holder.current
    if current is not None and digest == current.sdl_hash:
        return None
    try:
        return build_state(text, path, settings, client)
    except SupergraphError as exc:
        holder.last_reload_error = str(exc)
        log.error("supergraph reload rejected, keeping the current schema: %s", exc)
        return None
    except Exception as exc:  # a planner bug must not stop the watcher
        holder.last_reload_error = f"{type(exc).__name__}: {exc}"
        log.exception("supergraph reload failed, keeping the current schema")
        return None


def _swap(path: str, holder: StateHolder, state: GatewayState) -> None:
    holder.current = state
    holder.last_reload_error = None
    log.info("supergraph reloaded from %s (%s)", path, state.sdl_hash[:12])


async def watch(path: str, settings: Settings, client: SubgraphClient, holder: StateHolder) -> None:
    """Poll the file forever (cancel the task to stop)."""
    seen = _fingerprint(path)
    while True:
        await asyncio.sleep(settings.reload_poll_interval)
        now = _fingerprint(path)
        if now is None or now == seen:
            continue
        seen = now
        await reload_warm(path, settings, client, holder)
