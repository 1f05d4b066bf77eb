"""What agents asked for (presence) and their pause periods, written to the store fairly.

Theory of operation. Each agent has at most one write running and, behind it, at most one presence
write waiting: a newer wish replaces the waiting one (the last wish wins; what is stored is only what a
restart re-tells Asterisk). Pause periods are a log, so they are kept in order per agent; when an
agent's waiting periods pass ``max_pending`` (a robot toggling pause), whole periods that opened and
closed while waiting are dropped, oldest first, and counted. One agent's writes never wait behind
another's: every agent has their own writer task, and all writers share ``concurrency`` store slots in
turn (a writer gives its slot back after each write and queues again), so a noisy agent holds one place
in the line, never the line.

``save_presence(agent_id, wants, reason[, queues=])`` and the pause log are passed in (the store, or
the outage spool in front of it); a failed write is logged and the next wish goes on.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from callcenter import effects as fx

log = logging.getLogger(__name__)

SavePresence = Callable[..., Awaitable[None]]


class PauseLog(Protocol):
    async def pause_started(self, agent_id: int, reason: str, at: Any, limit_seconds: int | None) -> None: ...
    async def pause_ended(self, agent_id: int, at: Any) -> None: ...


class _Agent:
    __slots__ = ("presence", "pauses", "writer")

    def __init__(self) -> None:
        self.presence: fx.SavePresence | None = None
        self.pauses: deque[fx.PauseStarted | fx.PauseEnded] = deque()
        self.writer: asyncio.Task[None] | None = None


class PresenceWrites:
    def __init__(self, save_presence: SavePresence | None, pause_log: PauseLog | None, *,
                 concurrency: int = 2, max_pending: int = 32) -> None:
        self._save_presence = save_presence
        self._pause_log = pause_log
        self._slots = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._agents: dict[int, _Agent] = {}
        self.coalesced = 0          # presence wishes replaced before they were written
        self.dropped_periods = 0    # whole pause periods dropped from a flood

    # ------------------------------------------------------------------ sync, from the engine's task
    def presence(self, effect: fx.SavePresence) -> None:
        if self._save_presence is None:
            return
        agent = self._agent(effect.agent_id)
        if agent.presence is not None:
            self.coalesced += 1
        agent.presence = effect
        self._wake(effect.agent_id, agent)

    def pause(self, effect: fx.PauseStarted | fx.PauseEnded) -> None:
        if self._pause_log is None:
            return
        agent = self._agent(effect.agent_id)
        agent.pauses.append(effect)
        if len(agent.pauses) > self._max_pending:
            self._drop_a_period(agent)
        self._wake(effect.agent_id, agent)

    def pending(self, agent_id: int) -> int:
        agent = self._agents.get(agent_id)
        return 0 if agent is None else len(agent.pauses) + (agent.presence is not None)

    @property
    def writers(self) -> int:
        return len(self._agents)

    # ------------------------------------------------------------------ lifetime
    async def drain(self, timeout: float) -> bool:
        """Wait up to *timeout* for every waiting write; True when all landed."""
        writers = [a.writer for a in self._agents.values() if a.writer is not None]
        if not writers:
            return True
        _, pending = await asyncio.wait(writers, timeout=timeout)
        return not pending

    async def close(self) -> None:
        """Cancel the writers (what is still waiting is lost; ``drain`` first)."""
        writers = [a.writer for a in self._agents.values() if a.writer is not None]
        for task in writers:
            task.cancel()
        await asyncio.gather(*writers, return_exceptions=True)
        self._agents.clear()

    # ------------------------------------------------------------------ internals
    def _agent(self, agent_id: int) -> _Agent:
        agent = self._agents.get(agent_id)
        if agent is None:
            agent = self._agents[agent_id] = _Agent()
        return agent

    def _wake(self, agent_id: int, agent: _Agent) -> None:
        if agent.writer is None:
            agent.writer = asyncio.create_task(self._write(agent_id, agent), name=f"presence-writer-{agent_id}")

    def _drop_a_period(self, agent: _Agent) -> None:
        pauses = agent.pauses
        for i in range(len(pauses) - 1):
            if isinstance(pauses[i], fx.PauseStarted) and isinstance(pauses[i + 1], fx.PauseEnded):
                del pauses[i + 1]
                del pauses[i]
                self.dropped_periods += 1
                if self.dropped_periods in (1, 10, 100) or self.dropped_periods % 1000 == 0:
                    log.warning("agent %s toggles pause faster than the store keeps up: %d short pause periods "
                                "dropped so far", pauses[0].agent_id if pauses else "?", self.dropped_periods)
                return

    async def _write(self, agent_id: int, agent: _Agent) -> None:
        try:
            while agent.pauses or agent.presence is not None:
                async with self._slots:
                    if agent.pauses:
                        await self._log_pause(agent.pauses.popleft())
                    elif agent.presence is not None:
                        effect, agent.presence = agent.presence, None
                        await self._store_presence(effect)
        finally:
            agent.writer = None
            if not agent.pauses and agent.presence is None and self._agents.get(agent_id) is agent:
                del self._agents[agent_id]

    async def _store_presence(self, effect: fx.SavePresence) -> None:
        assert self._save_presence is not None
        try:
            if effect.queues is None:
                await self._save_presence(effect.agent_id, effect.wants, effect.reason)
            else:
                await self._save_presence(effect.agent_id, effect.wants, effect.reason, queues=effect.queues)
        except Exception as exc:     # the engine keeps the wish; only a restart would miss it
            log.warning("saving what agent %s asked for (%s) failed: %s", effect.agent_id, effect.wants, exc)

    async def _log_pause(self, effect: fx.PauseStarted | fx.PauseEnded) -> None:
        assert self._pause_log is not None
        try:
            if isinstance(effect, fx.PauseStarted):
                await self._pause_log.pause_started(effect.agent_id, effect.reason, effect.at, effect.limit_seconds)
            else:
                await self._pause_log.pause_ended(effect.agent_id, effect.at)
        except Exception as exc:     # a lost period only makes the report short; never the engine's end
            log.warning("recording a pause period of agent %s failed: %s", effect.agent_id, exc)
