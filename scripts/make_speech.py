"""Regenerate the synthetic speech clips in ``data/speech/`` (used by the Whisper lessons and tests).

Needs the command-line tools espeak-ng (text to speech) and sox (resampling); on Debian/Ubuntu:

    apt-get install -y espeak-ng sox
    python scripts/make_speech.py            # writes data/speech/*.wav and transcripts.json

Each clip is 16 kHz, mono, 16-bit PCM WAV (under 200 KB). The speech is slightly slower than
espeak-ng's default (140 instead of 175 words per minute, plus 30 ms pauses between words) so that
a small model such as Whisper tiny.en transcribes it reliably.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parents[1] / "data" / "speech"
CLIPS = {
    "transformers.wav": "Hugging Face transformers make speech recognition easy.",
    "numbers.wav": "The meeting starts at nine thirty and lasts twenty five minutes.",
    "report.wav": "Please send the report to the team before Friday afternoon.",
}
VOICE, WORDS_PER_MINUTE, WORD_GAP_MS, SAMPLE_RATE = "en-us", 140, 30, 16000


def synthesize(text: str, target: Path) -> None:
    """Speak ``text`` with espeak-ng and convert it to a 16 kHz mono 16-bit WAV at ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"  # espeak-ng writes 22.05 kHz mono
        speak = ["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-g", str(WORD_GAP_MS // 10)]
        subprocess.run([*speak, "-w", str(raw), text], check=True)  # -g: pause between words, 10 ms units
        # Resample to 16 kHz, mono, 16-bit; pad 0.3 s of silence on both sides like a real recording.
        # -D turns dithering off, so that the files are byte-for-byte reproducible.
        resample = ["-r", str(SAMPLE_RATE), "-c", "1", "-b", "16"]
        subprocess.run(["sox", "-D", str(raw), *resample, str(target), "pad", "0.3", "0.3"], check=True)


def main() -> None:
    """Write every clip of ``CLIPS`` plus ``transcripts.json`` (file name -> spoken text)."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"Missing tools: {', '.join(missing)} (apt-get install -y espeak-ng sox)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in CLIPS.items():
        synthesize(text, OUT_DIR / name)
        print(f"{name}: {(OUT_DIR / name).stat().st_size / 1024:.0f} KB  {text!r}")
    (OUT_DIR / "transcripts.json").write_text(json.dumps(CLIPS, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
