#!/usr/bin/env bash
# Make sure tmux is installed: the `run watch` test drives the CLI in a real terminal (tmux) and reads the
# screen back with capture-pane. Quick and silent when tmux is already there.
set -euo pipefail
if command -v tmux >/dev/null 2>&1; then echo "tmux: $(tmux -V)"; exit 0; fi
echo "tmux: not installed; installing with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq tmux >/dev/null
echo "tmux: $(tmux -V)"
