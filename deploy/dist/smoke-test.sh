#!/usr/bin/env bash
# The release archive works on its own: unpacked into an empty folder, run with only a JDK on PATH (no Maven, no
# source tree, empty HOME and XDG_DATA_HOME: Java takes user.home from the password file), `fairway serve` starts, answers /health and a chat completion. Run by ./fairway test.
set -euo pipefail
TARBALL="$1"; MODEL="$2"; JDK="$3"
WORK="$(mktemp -d)"; PID=""
stop() {
  local status=$?
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$status"
}
trap stop EXIT
tar -C "$WORK" -xzf "$TARBALL"
DIR="$(echo "$WORK"/fairway-*)"
mkdir "$WORK/home"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cd "$WORK/home"
# no subshell: env execs bin/fairway, which execs java, so $PID is the server itself and the trap stops it
env -i PATH="$JDK/bin:/usr/bin:/bin" HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/.local/share" FAIRWAY_JAVA_OPTS=-Xmx1g \
  "$DIR/bin/fairway" serve --model "$MODEL" --port "$PORT" --kv-mb 32 --threads 2 > "$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 360); do grep -q '^Fairway listening' "$WORK/serve.log" && break; sleep 0.5; done
grep -q '^Fairway listening' "$WORK/serve.log" || { cat "$WORK/serve.log"; echo "smoke test: the archive's server did not start" >&2; exit 1; }
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null
curl -sf "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":4}' | grep -q '"chat.completion"'
[ -f "$WORK/home/.local/share/fairway/fairway.db" ] || { echo "smoke test: no database under the empty XDG_DATA_HOME" >&2; exit 1; }
echo "smoke test: $(basename "$TARBALL") serves from an empty folder with only a JDK"
