"""Embedded PBX simulator: an AMI server and a FastAGI client that behave like Asterisk 22.

It stands in for a real Asterisk in the demo and in integration tests and speaks the real protocols
over sockets, as the recordings in ``shared/asterisk`` show (event names, header names, casing and
order, Uniqueid/Linkedid, CRLF). Noise events (VarSet, Newexten, DeviceStateChange, Cdr ...) are left
out. Sample configs of what it emulates ship in ``callcenter/data`` (extensions.conf, queues.conf,
manager.conf).

Public API::

    config = SimulatorConfig(username="callcenter", secret="s3cret",
                             queues={"vip": QueueSpec(strategy="ringall"), "standard": QueueSpec()},
                             default_queue="standard", agi_host="127.0.0.1", agi_port=4573,
                             timing=Timing(prompt_seconds=0.01, member_timeout=0.3, retry=0.05),
                             login_failure_delay=1.0)
    sim = PbxSimulator(config)
    await sim.start(host="127.0.0.1", port=0)      # sim.ami_port is the bound port
    sim.set_agi_target("127.0.0.1", ivr_port)      # where AGI(agi://host:port/inbound) connects
    sim.phone("Local/1001@agent-phones/n").answers = False     # PhoneSettings, mutable at any time

    call = await sim.place_call("13800000001", name="Test", dnid="100", digits=("1", None),
                                patience=None, talk_seconds=3, hangup_by="caller")
    call.call_id                                   # Uniqueid of Local/100@inbound-XXXXXXXX;2
    queue, priority = await call.wait_joined(5)    # also: call.joined / answered / ended (asyncio.Event)
    interface = await call.wait_answered(5)
    outcome = await call.wait_ended(5)   # completed|abandoned|ivr_hangup|left_dialplan|stopped|failed
    call.variables["CC_QUEUE"]; call.agi_status; call.agi_commands; call.agi_log
    call.played                                    # [(sound, CHANNEL(language) when it started)]
    sim.hangup(call)                               # the caller hangs up now
    sim.queue_state("vip").waiting                 # members, paused, waiting callers in queue order
    sim.add_listener(callback)                     # every Event, synchronously, in emission order
    await sim.restart(close_after=1.0, down_for=0.25)   # like `core restart now` (Shutdown, reconnect)
    await sim.stop()                               # closes sockets, cancels and awaits its tasks

    traffic = TrafficGenerator(sim, callers=[("13800000001", "Zhang San")], calls_per_second=0.2, seed=1)
    traffic.start(); ...; await traffic.stop()

    await run_simulator(config, host, port, callers=..., calls_per_second=...)   # until cancelled

AMI actions: Login (plain / MD5 after Challenge), Logoff, Events, Filter, Ping, CoreStatus, CoreSettings,
CoreShowChannels, Command (a few), QueueAdd, QueueRemove, QueuePause, QueuePenalty, QueueStatus,
QueueSummary, QueueChangePriorityCaller, Originate, Hangup, Redirect, Getvar, Setvar.
``callcenter.simulator.testing`` has a raw AMI client and a scripted FastAGI server for tests.

Each caller's scripted ``digits`` are what it types at successive prompts that read digits (GET DATA,
STREAM FILE/SAY with escape digits, WAIT FOR DIGIT); ``None`` means it stays silent (timeout). Keys
pressed while nothing reads them are lost on a real PBX, hence this model.
"""
from .calls import ABANDONED, COMPLETED, FAILED, IVR_HANGUP, LEFT_DIALPLAN, STOPPED, SimCall
from .config import PhoneSettings, QueueSpec, SimulatorConfig, Timing
from .events import Event
from .simulator import MemberView, PbxSimulator, QueueView, WaitingCaller
from .traffic import TrafficGenerator, run_simulator

__all__ = ["ABANDONED", "COMPLETED", "Event", "FAILED", "IVR_HANGUP", "LEFT_DIALPLAN", "MemberView", "PbxSimulator",
           "PhoneSettings", "QueueSpec", "QueueView", "STOPPED", "SimCall", "SimulatorConfig", "Timing",
           "TrafficGenerator", "WaitingCaller", "run_simulator"]
