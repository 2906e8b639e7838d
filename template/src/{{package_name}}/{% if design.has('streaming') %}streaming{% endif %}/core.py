"""Stream processing, engine-neutral: what happens to one event, whatever runs it.

For each message, in arrival order:

1. read and validated with the contract's rules (`rules.read_json_record`, `check_record`):
   a message that fails goes to the dead-letter output with its reasons (column names, never
   values);
2. late if its event time is older than the watermark (the latest event time seen, less
   the allowed lateness): counted and sent to the late output, never dropped silently;
3. a duplicate if its key was seen within the dedup TTL (event time): counted and dropped;
4. masked (`privacy.records.mask_record`, the same tokens as the batch), enriched with
   reference data where the contract asks for it (`reference.ReferenceData`, like the
   batch's join) and sent to the clean output;
5. counted in its tumbling event-time window per group; a window closes once the watermark
   passes its end, emits its aggregate, and its count is scored against the group's recent
   windows (z-score): an outlier emits an alert.

Every message ends in exactly one of clean, dead letter, late or duplicate:
`received = clean + dead_letter + late + duplicates` (`StreamCounts.reconciles`).

State lives in mappings the engine provides (`StreamState`): plain dicts for a replay, Faust
tables (which are mappings, backed by changelog topics) in the Faust worker. Times in state
are epoch seconds.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, MutableMapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from ..contracts import Contract
from ..privacy.records import mask_record
from ..rules import RecordChecker, Value, read_json_record

if TYPE_CHECKING:
    from .reference import ReferenceData

OutputKind = Literal["clean", "dead_letter", "late", "aggregate", "alert"]
NO_WATERMARK = -math.inf
# Dedup keys older than the TTL are forgotten every this many messages (a re-seen old key is
# forgotten at once): the state stays bounded by the TTL, whatever the engine.
PURGE_EVERY = 10_000


@dataclass(frozen=True)
class StreamSettings:
    allowed_lateness_s: float  # out-of-orderness the watermark waits for
    window_s: float  # tumbling window of the real-time aggregates
    dedup_ttl_s: float  # how long (event time) a key is remembered for dedup
    group_by: str  # the column the windows count by
    anomaly_z: float = 3.0  # |z| from which a window's count is an anomaly
    anomaly_min_history: int = 5  # closed windows of a group before it is scored
    anomaly_history: int = 30  # closed windows of a group kept for the score


@dataclass
class StreamState:
    """The processor's state, in mappings the engine provides."""

    watermark: MutableMapping[str, float] = field(default_factory=dict)  # "max_event_time"
    seen: MutableMapping[str, float] = field(default_factory=dict)  # key -> event time
    windows: MutableMapping[str, int] = field(default_factory=dict)  # "start|group" -> count
    history: MutableMapping[str, list[int]] = field(default_factory=dict)  # group -> counts


@dataclass
class StreamCounts:
    received: int = 0
    clean: int = 0
    dead_letter: int = 0
    late: int = 0
    duplicates: int = 0
    windows_closed: int = 0
    anomalies: int = 0

    @property
    def reconciles(self) -> bool:
        return self.received == self.clean + self.dead_letter + self.late + self.duplicates

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Output:
    kind: OutputKind
    payload: dict[str, Any]


def jsonable(record: dict[str, Value | None]) -> dict[str, Any]:
    """A typed record for a JSON message: dates and timestamps as ISO 8601 text."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in record.items()
    }


class StreamProcessor:
    """The per-event logic of the stream jobs; see the module's docstring."""

    def __init__(
        self,
        contract: Contract,
        settings: StreamSettings,
        pii_key: str,
        state: StreamState | None = None,
        reference: ReferenceData | None = None,
    ) -> None:
        self.contract = contract
        self.reference = reference
        self.settings = settings
        self.pii_key = pii_key
        self.state = state or StreamState()
        self.counts = StreamCounts()
        self.checker = RecordChecker(contract)
        # The earliest end of an open window, so that most events skip the scan for windows
        # to close. Not state: -inf makes the first event after a restart scan once.
        self._next_close = -math.inf

    # -- the watermark ------------------------------------------------------------------
    @property
    def watermark(self) -> float:
        latest = self.state.watermark.get("max_event_time")
        return NO_WATERMARK if latest is None else latest - self.settings.allowed_lateness_s

    def _advance(self, event_time: float) -> None:
        latest = self.state.watermark.get("max_event_time", NO_WATERMARK)
        if event_time > latest:
            self.state.watermark["max_event_time"] = event_time

    # -- one message ----------------------------------------------------------------------
    def process(self, message: str | bytes, now: datetime | None = None) -> list[Output]:
        """The outputs of one message (possibly closed windows and alerts after it)."""
        self.counts.received += 1
        if self.counts.received % PURGE_EVERY == 0:
            self.purge_expired_keys()
        raw, read_error = read_json_record(message, self.contract)
        if read_error is not None:
            return [self._dead_letter(message, [read_error])]
        record, reasons = self.checker.check(raw, now or datetime.now(UTC))
        if record is None:
            return [self._dead_letter(message, reasons)]
        event_time = record[self.contract.event_time]
        if not isinstance(event_time, datetime):  # a contract whose event time is optional
            return [self._dead_letter(message, [f"missing:{self.contract.event_time}"])]
        seconds = event_time.timestamp()
        masked = jsonable(mask_record(record, self.contract, self.pii_key))
        if seconds < self.watermark:
            self.counts.late += 1
            late_by = round(self.watermark - seconds, 3)
            return [Output("late", {"event": masked, "late_by_seconds": late_by})]
        key = "|".join(str(record[name]) for name in self.contract.keys)
        if self._is_duplicate(key):
            self.counts.duplicates += 1
            return []
        self.state.seen[key] = seconds
        self._advance(seconds)
        self.counts.clean += 1
        self._count_in_window(seconds, str(record.get(self.settings.group_by)))
        clean = masked if self.reference is None else self.reference.enrich(masked)
        return [Output("clean", clean), *self._close_windows(self.watermark)]

    def flush(self) -> list[Output]:
        """The end of a bounded input (a replay): every open window closes."""
        return self._close_windows(math.inf)

    def _dead_letter(self, message: str | bytes, reasons: list[str]) -> Output:
        self.counts.dead_letter += 1
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        # The event is kept as it arrived (the DLQ is access-controlled like the quarantine,
        # and a fix replays it); the reason names columns only.
        return Output("dead_letter", {"reason": "; ".join(reasons), "event": text})

    def _is_duplicate(self, key: str) -> bool:
        """Seen within the TTL. Expired keys are forgotten as the watermark passes them."""
        first = self.state.seen.get(key)
        if first is None:
            return False
        if first < self.watermark - self.settings.dedup_ttl_s:
            del self.state.seen[key]
            return False
        return True

    def purge_expired_keys(self) -> int:
        """Forget the keys older than the TTL."""
        horizon = self.watermark - self.settings.dedup_ttl_s
        expired = [key for key, seen in self.state.seen.items() if seen < horizon]
        for key in expired:
            del self.state.seen[key]
        return len(expired)

    # -- windows and anomalies -----------------------------------------------------------
    def _count_in_window(self, event_time: float, group: str) -> None:
        start = math.floor(event_time / self.settings.window_s) * self.settings.window_s
        slot = f"{start:.0f}|{group}"
        self.state.windows[slot] = self.state.windows.get(slot, 0) + 1
        self._next_close = min(self._next_close, start + self.settings.window_s)

    def _close_windows(self, watermark: float) -> list[Output]:
        if watermark < self._next_close:
            return []
        closing = sorted(
            (float(start), group, slot)
            for slot in list(self.state.windows)
            for start, group in [slot.split("|", 1)]
            if float(start) + self.settings.window_s <= watermark
        )
        closed = {slot for _, _, slot in closing}
        self._next_close = min(
            (
                float(slot.split("|", 1)[0]) + self.settings.window_s
                for slot in self.state.windows
                if slot not in closed
            ),
            default=math.inf,
        )
        outputs: list[Output] = []
        for start, group, slot in closing:
            count = self.state.windows.pop(slot)
            self.counts.windows_closed += 1
            window = {
                "window_start": _iso(start),
                "window_end": _iso(start + self.settings.window_s),
                self.settings.group_by: group,
                "events": count,
            }
            outputs.append(Output("aggregate", window))
            alert = self._score(group, count)
            if alert is not None:
                self.counts.anomalies += 1
                outputs.append(Output("alert", {**window, **alert}))
        return outputs

    def _score(self, group: str, count: int) -> dict[str, Any] | None:
        """An alert when `count` is an outlier among the group's recent windows (the
        z-score, with the deviation floored at 1 event so a flat history is not touchy)."""
        past = list(self.state.history.get(group, []))
        self.state.history[group] = [*past, count][-self.settings.anomaly_history :]
        if len(past) < self.settings.anomaly_min_history:
            return None
        mean = statistics.fmean(past)
        z = (count - mean) / max(statistics.pstdev(past), 1.0)
        if abs(z) < self.settings.anomaly_z:
            return None
        return {"z_score": round(z, 2), "mean_events": round(mean, 2)}


def replay(processor: StreamProcessor, messages: Iterable[str | bytes]) -> list[Output]:
    """Every output of a bounded input, in order, with the windows closed at its end."""
    outputs: list[Output] = []
    for message in messages:
        outputs += processor.process(message)
    return outputs + processor.flush()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
