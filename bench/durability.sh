#!/usr/bin/env bash
# The durability figures of docs/benchmarks.md, side by side with Mosquitto (`persistence true`):
#
#  1. QoS 1 throughput to a persistent session, 1 publisher -> 1 subscriber, in each of
#     Switchboard's durability modes (sync, async, memory) and Mosquitto with persistence on:
#     messages/s, and for Switchboard the store's commits/s (in sync mode every commit is one
#     fsync; read from the broker's /metrics before and after the run).
#  2. Memory while an offline persistent session's queue grows to QUEUED messages (default
#     1,000,000): the broker's RSS sampled as the publisher sends, for Switchboard (sync) and
#     Mosquitto (persistence true, max_queued_messages 0 = unbounded).
#
#   bench/durability.sh                  # both parts, 3 repetitions of part 1, 10 s each
#   bench/durability.sh --out FILE       # also write the markdown report to FILE
#
# Environment: BENCH, SWITCHBOARD, MOSQUITTO (as in compare.sh), REPS (3), DURATION (10),
# QUEUED (1000000), PARTS ("throughput queue"), WORKDIR, BUDGET (seconds, default 1800).
# Needs: jq, ss, curl, mosquitto_sub. Traffic stays on 127.0.0.1; every run is bounded.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${BENCH:-$ROOT/build/release/broker/tools/bench/switchboard-bench}"
SWITCHBOARD="${SWITCHBOARD:-$ROOT/build/release/broker/daemon/switchboard-broker}"
MOSQUITTO="${MOSQUITTO:-/usr/sbin/mosquitto}"
REPS="${REPS:-3}"
DURATION="${DURATION:-10}"
QUEUED="${QUEUED:-1000000}"
PARTS="${PARTS:-throughput queue}"
BUDGET="${BUDGET:-1800}"
OUT=""

while [[ $# -gt 0 ]]; do
    case "$1" in
    --out) OUT="$2"; shift 2 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "durability.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for tool in jq ss curl mosquitto_sub timeout; do
    command -v "$tool" >/dev/null || { echo "durability.sh: needs $tool" >&2; exit 2; }
done
for binary in "$BENCH" "$SWITCHBOARD" "$MOSQUITTO"; do
    [[ -x "$binary" ]] || { echo "durability.sh: no executable $binary" >&2; exit 2; }
done

WORKDIR="${WORKDIR:-$ROOT/build/bench-durability/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$WORKDIR"
RESULTS="$WORKDIR/results.jsonl"
: >"$RESULTS"
STARTED=$(date +%s)
BROKER_PID=""
MQTT_PORT=""
ADMIN_PORT=""
TOKEN=""

stop_broker() {
    [[ -n "$BROKER_PID" ]] || return 0
    kill "$BROKER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$BROKER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
    BROKER_PID=""
}
trap stop_broker EXIT
trap 'exit 130' INT TERM

over_budget() { (($(date +%s) - STARTED > BUDGET)); }

free_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 20000))
        [[ -z "$(ss -Htln "sport = :$port")" ]] && { echo "$port"; return; }
    done
    echo "durability.sh: no free port found" >&2
    exit 1
}

wait_for() { # description, command...: polls up to 10 s
    local what="$1"
    shift
    for _ in $(seq 100); do
        "$@" && return 0
        kill -0 "$BROKER_PID" 2>/dev/null || { echo "durability.sh: broker exited ($what)" >&2; return 1; }
        sleep 0.1
    done
    echo "durability.sh: timed out waiting for $what" >&2
    return 1
}

listening() { [[ -n "$(ss -Htln "sport = :$1")" ]]; }

start_switchboard() { # mode data-dir
    MQTT_PORT=$(free_port)
    ADMIN_PORT=$(free_port)
    # Room for the whole offline queue (the default max_queue_messages is 100,000).
    cat >"$WORKDIR/switchboard.toml" <<CONF
[limits]
max_queue_messages = $((QUEUED * 2))
max_queue_bytes = $((QUEUED * 1024))
CONF
    "$SWITCHBOARD" --config "$WORKDIR/switchboard.toml" --bind 127.0.0.1 --port "$MQTT_PORT" \
        --admin-port "$ADMIN_PORT" --durability "$1" --data-dir "$2" --log-level warn \
        >>"$WORKDIR/switchboard.log" 2>&1 &
    BROKER_PID=$!
    wait_for "MQTT port" listening "$MQTT_PORT"
    wait_for "admin port" listening "$ADMIN_PORT"
    TOKEN=$("$SWITCHBOARD" --data-dir "$2" --print-admin-token)
}

start_mosquitto() { # data-dir
    MQTT_PORT=$(free_port)
    cat >"$WORKDIR/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $1/
max_queued_messages 0
max_inflight_messages 0
CONF
    "$MOSQUITTO" -c "$WORKDIR/mosquitto.conf" >>"$WORKDIR/mosquitto.log" 2>&1 &
    BROKER_PID=$!
    wait_for "MQTT port" listening "$MQTT_PORT"
}

commits() { # the store's committed transactions, from /metrics
    curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ADMIN_PORT/metrics" |
        awk '$1 == "switchboard_store_commits_total" { print $2 }'
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$BROKER_PID/status"; }

# ---- 1. QoS 1 throughput to a persistent session --------------------------------------------

throughput_run() { # broker-label rep
    local label="$1" rep="$2" before=0 after=0 line
    [[ "$label" == switchboard-* ]] && before=$(commits)
    # --persistent: both clients have persistent sessions, so every QoS 1 message is one the
    # broker must keep until the subscriber acknowledges it.
    line=$(timeout $((DURATION + 60)) "$BENCH" throughput --qos 1 --persistent --protocol 5 \
        --host 127.0.0.1 --port "$MQTT_PORT" --broker-pid "$BROKER_PID" --duration "$DURATION" \
        --timeout $((DURATION + 40)) --json 2>>"$WORKDIR/bench.log" | grep '^{' | tail -n 1) ||
        line='{"status":"no-output"}'
    [[ "$label" == switchboard-* ]] && after=$(commits)
    jq -c --arg b "$label" --argjson r "$rep" --argjson c "$((after - before))" \
        '. + {durability: {broker: $b, rep: $r, commits: $c}}' <<<"$line" >>"$RESULTS"
    echo "  [$rep/$REPS] $label: $(jq -r '.deliveries_per_s // "-"' <<<"$line") msg/s, $((after - before)) commits" >&2
}

if [[ " $PARTS " == *" throughput "* ]]; then
    for rep in $(seq "$REPS"); do
        for label in switchboard-sync switchboard-async switchboard-memory mosquitto-persistence; do
            over_budget && break 2
            dir="$WORKDIR/data-$label-$rep"
            mkdir -p "$dir"
            case "$label" in
            switchboard-*) start_switchboard "${label#switchboard-}" "$dir" ;;
            mosquitto-*) start_mosquitto "$dir" ;;
            esac
            throughput_run "$label" "$rep"
            stop_broker
        done
    done
fi

# ---- 2. Memory with QUEUED messages for an offline session ---------------------------------

queue_run() { # broker-label
    local label="$1" dir="$WORKDIR/data-queue-$1" topic="sbqueue/$1" samples="$WORKDIR/rss-$1.tsv"
    mkdir -p "$dir"
    case "$label" in
    switchboard) start_switchboard sync "$dir" ;;
    mosquitto) start_mosquitto "$dir" ;;
    esac
    # The offline session: subscribe at QoS 1 with a day of session expiry, then leave.
    timeout 10 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -V mqttv5 -i sbqueue-offline -c \
        -x 86400 -q 1 -t "$topic/#" -E
    local idle
    idle=$(rss_kib)
    printf 'sent\trss_kib\n' >"$samples"
    # The publisher: QUEUED QoS 1 messages (64-byte payload) on topics the offline session
    # matches; the bench's own subscriber takes the same stream online.
    "$BENCH" throughput --qos 1 --protocol 5 --host 127.0.0.1 --port "$MQTT_PORT" \
        --topic-root "$topic" --messages "$QUEUED" --timeout 600 --json \
        >"$WORKDIR/queue-$label.json" 2>>"$WORKDIR/bench.log" &
    local bench=$!
    local peak=0 rss
    while kill -0 "$bench" 2>/dev/null; do
        rss=$(rss_kib)
        ((rss > peak)) && peak=$rss
        printf '%s\t%s\n' "$(date +%s.%N)" "$rss" >>"$samples"
        sleep 1
    done
    wait "$bench" || true
    local final queued=""
    final=$(rss_kib)
    if [[ "$label" == switchboard ]]; then
        queued=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ADMIN_PORT/metrics" |
            awk '$1 == "switchboard_queued_messages" { print $2 }')
    fi
    local sent
    sent=$(grep '^{' "$WORKDIR/queue-$label.json" | tail -n 1 | jq -r '.acknowledged // 0')
    jq -nc --arg b "$label" --argjson idle "$idle" --argjson peak "$peak" --argjson final "$final" \
        --arg queued "$queued" --argjson sent "$sent" \
        '{queue: {broker: $b, idle_kib: $idle, peak_kib: $peak, final_kib: $final,
                  queued: $queued, acknowledged: $sent}}' >>"$RESULTS"
    echo "  queue $label: $sent acknowledged, RSS idle $idle KiB, peak $peak KiB, end $final KiB, queued '$queued'" >&2
    stop_broker
}

if [[ " $PARTS " == *" queue "* ]]; then
    for label in switchboard mosquitto; do
        over_budget && break
        queue_run "$label"
    done
fi

# ---- report ------------------------------------------------------------------------------

whole() { [[ "$1" == "-" ]] && echo "-" || awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }

median() { # jq filter selecting numbers -> median
    jq -rs "[ $1 ] | sort | if length == 0 then \"-\" elif length % 2 == 1 then .[length / 2 | floor]
            else (.[length / 2 - 1] + .[length / 2]) / 2 end" "$RESULTS"
}

{
    echo "### QoS 1 to a persistent session, 1 -> 1, 64-byte payload (medians of $REPS x ${DURATION} s)"
    echo
    echo "| broker | messages/s | commits/s | lost | duplicates |"
    echo "|---|---:|---:|---:|---:|"
    for label in switchboard-sync switchboard-async switchboard-memory mosquitto-persistence; do
        sel=".[] | select(.durability.broker == \"$label\" and .status == \"ok\")"
        rate=$(median "$sel | .deliveries_per_s")
        cps=$(median "$sel | (.durability.commits / .publish_s)")
        lost=$(median "$sel | .lost")
        dup=$(median "$sel | .duplicates")
        [[ "$label" == mosquitto-* || "$label" == switchboard-memory ]] && cps="-"
        printf '| %s | %s | %s | %s | %s |\n' "$label" "$(whole "$rate")" "$(whole "$cps")" "$lost" "$dup"
    done
    echo
    echo "### Memory with $QUEUED messages queued for an offline session"
    echo
    echo "| broker | RSS before | RSS peak | RSS after | messages acknowledged | queued (broker's count) |"
    echo "|---|---:|---:|---:|---:|---:|"
    jq -rs '.[] | select(.queue) | .queue |
        "| \(.broker) | \(.idle_kib / 1024 | floor) MiB | \(.peak_kib / 1024 | floor) MiB | \(.final_kib / 1024 | floor) MiB | \(.acknowledged) | \(if .queued == "" then "-" else .queued end) |"' "$RESULTS"
    echo
    echo "Raw runs: \`$RESULTS\`; RSS samples: \`$WORKDIR/rss-*.tsv\`."
} >"$WORKDIR/report.md"
cat "$WORKDIR/report.md"
if [[ -n "$OUT" ]]; then
    cp "$WORKDIR/report.md" "$OUT"
    echo "durability.sh: wrote $OUT" >&2
fi
