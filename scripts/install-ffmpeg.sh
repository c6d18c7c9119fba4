#!/usr/bin/env bash
# Optional: installs Debian's ffmpeg so `spindle render` also writes an MP4 (and its test checks the MP4 branch too).
# Without it, the render farm writes the animated PNG and says the MP4 was skipped.
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1; then
  echo "ffmpeg already installed: $(command -v ffmpeg)"
  exit 0
fi
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
sudo_if_needed apt-get update
DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y --no-install-recommends ffmpeg
