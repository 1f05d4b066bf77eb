"""The simulated PBX's shared state and the plumbing every flow uses.

Theory of operation. One :class:`Pbx` owns the channel registry, the queues, the agent phones, the
live calls and the tasks that drive them. Everything happens on one event loop: a flow (a caller in
the dialplan, an Originate) is a task that mutates this state synchronously and emits AMI events in the
same breath, so events leave in exactly the order the state changed. :meth:`Pbx.emit` hands each
event to the listeners (the AMI server's sessions, test observers) synchronously.

Device state follows ``ringinuse=no`` semantics: an interface on a call or ringing (when the phone says
so) is in use; every change of an interface's state is reported as ``QueueMemberStatus`` in each queue
where that interface is a member, as app_queue does.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

from . import events as ev
from .channels import STATE_UP, Channel, ChannelRegistry, Snapshot
from .config import PhoneSettings, SimulatorConfig
from .queue_events import member_event
from .queues import DEVICE_NOT_INUSE, QueueState

log = logging.getLogger(__name__)
Listener = Callable[[ev.Event], None]


class Pbx:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.timing = config.timing
        self.loop = asyncio.get_running_loop()
        self.rng = random.Random(config.seed)
        self.started_wall = time.time()
        self.started = self.loop.time()
        self.channels = ChannelRegistry(self.loop.time)
        self.queues = {name: QueueState(name, spec) for name, spec in sorted(config.queues.items())}
        self.phones: dict[str, PhoneSettings] = {}
        self.device_state: dict[str, int] = {}
        self.global_vars: dict[str, str] = {}
        self.calls: dict[str, Any] = {}            # call_id -> SimCall (live and ended, for the tests)
        self.processed_calls = 0
        self.agi_target: tuple[str, int | None] = (config.agi_host, config.agi_port)
        self._listeners: list[Listener] = []
        self._raw_listeners: list[Callable[[bytes], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queue_waiter: asyncio.Future[None] | None = None
        self.stopping = False
        # Channel name -> callbacks run just before its Hangup event (ChanSpy's ChanSpyStop, chanspy.py).
        self.before_hangup: dict[str, list[Callable[[], None]]] = {}

    # -- time ----------------------------------------------------------------------------------------
    def now(self) -> float:
        return self.loop.time()

    def wall(self) -> int:
        return int(time.time())

    # -- events --------------------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add_raw_listener(self, listener: Callable[[bytes], None]) -> None:
        self._raw_listeners.append(listener)

    def broadcast_raw(self, data: bytes) -> None:
        """Test hook: send *data* verbatim to every logged-in AMI session (a malformed frame, say)."""
        for listener in list(self._raw_listeners):
            listener(data)

    def emit(self, event: ev.Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:                      # a broken observer must not break the PBX
                log.exception("event listener failed on %s", event.name)

    # -- tasks ---------------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = self.loop.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("simulator task %s failed", task.get_name(), exc_info=task.exception())

    async def stop(self) -> None:
        self.stopping = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def register_call(self, call: Any) -> None:
        """Keep calls for the tests and the demo; forget the oldest ended ones past a few thousand."""
        if len(self.calls) >= 5000:
            for call_id in [cid for cid, c in self.calls.items() if c.outcome is not None][:1000]:
                del self.calls[call_id]
        self.calls[call.call_id] = call
        self.processed_calls += 1

    # -- phones and devices --------------------------------------------------------------------------
    def phone(self, interface: str) -> PhoneSettings:
        return self.phones.setdefault(interface, PhoneSettings())

    def device(self, state_interface: str) -> int:
        return self.device_state.get(state_interface, DEVICE_NOT_INUSE)

    def set_device(self, state_interface: str, status: int) -> None:
        """A device changed state: QueueMemberStatus in every queue where it is a member."""
        if self.device(state_interface) == status:
            return
        self.device_state[state_interface] = status
        for queue in self.queues.values():
            for member in queue.members.values():
                if member.state_interface == state_interface and member.status != status:
                    member.status = status
                    self.emit(member_event("QueueMemberStatus", queue.name, member))
        self.queue_changed()

    def queue_changed(self) -> None:
        """Wake the callers waiting in queues: a member or a caller came or went."""
        if self._queue_waiter is not None and not self._queue_waiter.done():
            self._queue_waiter.set_result(None)
        self._queue_waiter = None

    def queue_change_future(self) -> asyncio.Future[None]:
        if self._queue_waiter is None or self._queue_waiter.done():
            self._queue_waiter = self.loop.create_future()
        return self._queue_waiter

    # -- channels ------------------------------------------------------------------------------------
    def set_state(self, chan: Channel, state: int) -> None:
        chan.state = state
        self.emit(ev.newstate(chan.snapshot()))

    def hangup_channel(self, chan: Channel, cause: int, snapshot: Snapshot | None = None) -> None:
        for hook in self.before_hangup.pop(chan.name, ()):
            hook()
        self.emit(ev.hangup(snapshot or chan.snapshot(), cause))
        self.channels.forget(chan)

    def answer_originated_pair(self, one: Channel, two: Channel) -> None:
        """The ;2 half answers its dialplan, the ;1 half follows; the originating dial ends."""
        self.set_state(two, STATE_UP)
        self.set_state(one, STATE_UP)
        self.emit(ev.dial_end(None, one.snapshot(), "ANSWER"))

    def announce_local_pair(self, one: Channel, two: Channel, cid: tuple[str, str],
                            connected_one: bool = True) -> None:
        """Newchannel x2, caller id and connected line updates and LocalBridge, as for a new Local pair."""
        self.emit(ev.newchannel(one.snapshot()))
        self.emit(ev.newchannel(two.snapshot()))
        one.caller_num, one.caller_name = cid
        self.emit(ev.newcallerid(one.snapshot()))
        if connected_one:
            one.connected_num, one.connected_name = cid
            self.emit(ev.newconnectedline(one.snapshot()))
        two.caller_num, two.caller_name = cid
        two.connected_num, two.connected_name = cid
        self.emit(ev.newcallerid(two.snapshot()))
        self.emit(ev.newconnectedline(two.snapshot()))
        self.emit(ev.local_bridge(one.snapshot(), two.snapshot(), two.context, two.exten))

    def caller_hangup_requests(self, call: Any) -> None:
        """The caller's phone hung up: SoftHangupRequest on ``;1``, HangupRequest on ``;2`` (once)."""
        if call.requests_sent:
            return
        call.requests_sent = True
        self.emit(ev.soft_hangup_request(call.front.snapshot(), 16))
        self.emit(ev.hangup_request(call.chan.snapshot(), call.cause))

    def drop_front(self, call: Any) -> None:
        """Hangup of the caller's ``;1`` half (once)."""
        if call.front is not None and self.channels.get(call.front.name) is call.front:
            self.hangup_channel(call.front, call.cause)

    def get_var(self, chan: Channel | None, name: str) -> str | None:
        """A channel variable or one of the few dialplan functions the simulator knows."""
        if chan is None:
            return self.global_vars.get(name)
        functions = {"CALLERID(num)": chan.caller_num, "CALLERID(name)": chan.caller_name,
                     "CALLERID(all)": f'"{chan.caller_name}" <{chan.caller_num}>',
                     "CHANNEL(linkedid)": chan.linkedid, "CHANNEL(uniqueid)": chan.uniqueid,
                     "CHANNEL(name)": chan.name, "CHANNEL(language)": chan.language,
                     "UNIQUEID": chan.uniqueid, "CHANNEL": chan.name, "EXTEN": chan.exten,
                     "CONTEXT": chan.context, "PRIORITY": str(chan.priority)}
        if name in functions:
            return functions[name]
        if name in chan.variables:
            return chan.variables[name]
        return self.global_vars.get(name)

    def substitute(self, chan: Channel | None, text: str) -> str:
        """``${NAME}`` expansion (no nesting), as GET FULL VARIABLE needs."""
        out, i = [], 0
        while i < len(text):
            start = text.find("${", i)
            if start < 0:
                out.append(text[i:])
                break
            end = text.find("}", start)
            if end < 0:
                out.append(text[i:])
                break
            out.append(text[i:start])
            out.append(self.get_var(chan, text[start + 2:end]) or "")
            i = end + 1
        return "".join(out)
