"""Audio for a real Asterisk, pure and stdlib only: any 16-bit PCM WAV to 8 kHz mono 16-bit WAV (what
Asterisk plays as ``.wav``), resampled with a windowed-sinc low-pass and levelled to the same peak.
Used by ``callcenter prompts`` (``callcenter/prompts.py``) on what espeak-ng writes."""
from __future__ import annotations

import io
import math
import sys
import wave
from array import array
from collections.abc import Sequence
from operator import mul

TELEPHONE_RATE = 8000
PEAK = 0.7 * 32767                     # -3 dBFS: headroom for the codecs Asterisk transcodes to


def resample(samples: Sequence[int], rate_in: int, rate_out: int, half_width: int = 16) -> list[float]:
    """Polyphase windowed-sinc resampling, low-passed below the lower Nyquist (no aliasing hiss)."""
    if rate_in == rate_out:
        return [float(x) for x in samples]
    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    cutoff = 0.45 * min(rate_in, rate_out) / rate_in           # cycles per input sample, 90% of Nyquist
    phases = []
    for p in range(up):
        taps = []
        for k in range(-half_width + 1, half_width + 1):
            x = k - p / up
            window = 0.5 * (1 + math.cos(math.pi * x / half_width))
            sinc = math.sin(2 * math.pi * cutoff * x) / (2 * math.pi * cutoff * x) if x else 1.0
            taps.append(2 * cutoff * sinc * window)
        total = sum(taps)
        phases.append([t / total for t in taps])         # unity gain at DC in every phase
    padded = [0] * half_width + list(samples) + [0] * half_width
    out = []
    for n in range(len(samples) * up // down):
        i, p = divmod(n * down, up)
        out.append(sum(map(mul, phases[p], padded[i + 1:i + 2 * half_width + 1])))
    return out


def pcm16(values: Sequence[float], peak: float = PEAK) -> array:
    """Scaled so the loudest sample is ``peak``: every prompt, any voice, plays at the same level."""
    loudest = max(map(abs, values), default=0.0)
    gain = peak / loudest if loudest else 1.0
    return array("h", (max(-32768, min(32767, round(v * gain))) for v in values))


def telephone_wav(data: bytes) -> bytes:
    """Any 16-bit PCM WAV → 8 kHz mono 16-bit PCM WAV (what Asterisk plays as ``.wav``)."""
    with wave.open(io.BytesIO(data), "rb") as source:
        channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
        frames = source.readframes(source.getnframes())
    if width != 2:
        raise ValueError(f"expected 16-bit samples, got {8 * width}-bit")
    samples = array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    if channels > 1:
        samples = array("h", (sum(samples[i:i + channels]) // channels for i in range(0, len(samples), channels)))
    mono = pcm16(resample(samples, rate, TELEPHONE_RATE))
    if sys.byteorder == "big":
        mono.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(TELEPHONE_RATE)
        target.writeframes(mono.tobytes())
    return buffer.getvalue()
