#!/usr/bin/env bash
# Runs the same switchboard-bench scenarios against Mosquitto (default config, and with
# set_tcp_nodelay true), NATS in MQTT mode (JetStream on) and Switchboard, each on loopback on a
# free port, alternating brokers within every repetition so drift in the machine's load hits all
# of them alike, and writes a markdown table of medians and ratios.
#
#   bench/compare.sh                      # 3 repetitions, 5 s per run, table on stdout
#   bench/compare.sh --quick              # 1 repetition, 2 s per run: a smoke check
#   bench/compare.sh --out docs/benchmarks-latest.md
#   bench/compare.sh --report-only build/bench-compare/<run>/results.jsonl   # table of a past run
#
# Environment:
#   BENCH            switchboard-bench (default build/release/broker/tools/bench/switchboard-bench)
#   SWITCHBOARD      switchboard-broker (default build/release/broker/daemon/switchboard-broker)
#   SWITCHBOARD_ARGS extra broker arguments, e.g. "--durability memory"
#   MOSQUITTO        (default /usr/sbin/mosquitto)    NATS_SERVER (default nats-server)
#   BROKERS          which to run (default "mosquitto mosquitto-nodelay nats switchboard")
#   SCENARIOS        which to run (default: all, see scenario_args below)
#   IDLE_CONNECTIONS connections of the idle scenario (default 19000)
#   REPS, DURATION   repetitions (3) and seconds of traffic per run (5)
#   BENCH_THREADS    bench I/O threads (1: leaves the other core to the broker)
#   IDLE_THREADS     bench I/O threads of the idle scenario (default 2: connecting is where
#                    the generator, not the broker, runs out of CPU first)
#   PROTOCOL         3.1.1 (default: NATS speaks only 3.1.1) or 5 (NATS is then skipped)
#   BUDGET           hard bound on the whole script in seconds (default 3600)
#   WORKDIR          where results.jsonl, broker logs and the report go (default: a new
#                    directory under build/bench-compare/)
#
# Needs: jq, ss (iproute2), coreutils timeout; mosquitto and nats-server for those brokers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="${BENCH:-$ROOT/build/release/broker/tools/bench/switchboard-bench}"
SWITCHBOARD="${SWITCHBOARD:-$ROOT/build/release/broker/daemon/switchboard-broker}"
SWITCHBOARD_ARGS="${SWITCHBOARD_ARGS:-}"
MOSQUITTO="${MOSQUITTO:-/usr/sbin/mosquitto}"
NATS_SERVER="${NATS_SERVER:-nats-server}"
BROKERS="${BROKERS:-mosquitto mosquitto-nodelay nats switchboard}"
REPS="${REPS:-3}"
DURATION="${DURATION:-5}"
BENCH_THREADS="${BENCH_THREADS:-1}"
IDLE_THREADS="${IDLE_THREADS:-2}"
PROTOCOL="${PROTOCOL:-3.1.1}"
BUDGET="${BUDGET:-3600}"
OUT=""
REPORT_ONLY="" # results.jsonl of an earlier run: print its report, run nothing

# The rows of issue 7's targets: 1->1 at QoS 0/1/2, fan-out 1->100, fan-in 100->1, latency at
# 50,000 msg/s, idle connections (19,000: a process here may hold 20,000 files), plus pairs
# (4 publisher->subscriber pairs, for worker scaling) and the mixed "realistic" profile.
ALL_SCENARIOS="throughput-qos0 throughput-qos1 throughput-qos2 pairs-qos0 fanout-qos0 fanin-qos0 \
latency-qos0 latency-qos1 realistic-qos1 idle"
SCENARIOS="${SCENARIOS:-$ALL_SCENARIOS}"

while [[ $# -gt 0 ]]; do
    case "$1" in
    --quick) REPS=1; DURATION=2; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --report-only) REPORT_ONLY="$2"; shift 2 ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

for tool in jq ss timeout; do
    command -v "$tool" >/dev/null || { echo "compare.sh: needs $tool" >&2; exit 2; }
done
[[ -x "$BENCH" ]] || { echo "compare.sh: no bench at $BENCH (cmake --build build/release --target switchboard-bench)" >&2; exit 2; }

for broker in $BROKERS; do
    case "$broker" in
    mosquitto*) binary="$MOSQUITTO" ;;
    nats) binary="$NATS_SERVER" ;;
    switchboard) binary="$SWITCHBOARD" ;;
    *) echo "compare.sh: unknown broker $broker" >&2; exit 2 ;;
    esac
    command -v "$binary" >/dev/null || {
        echo "compare.sh: $broker: no executable $binary (set BROKERS to skip it)" >&2
        exit 2
    }
done

WORKDIR="${WORKDIR:-$ROOT/build/bench-compare/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$WORKDIR"
RESULTS="$WORKDIR/results.jsonl"
if [[ -n "$REPORT_ONLY" ]]; then
    cp "$REPORT_ONLY" "$RESULTS"
    BROKERS_TO_RUN=""
    REPS=$(jq -s 'map(.compare.rep) | max // 0' "$RESULTS")
else
    : >"$RESULTS"
    BROKERS_TO_RUN="$BROKERS"
fi
STARTED=$(date +%s)

# ---- brokers -----------------------------------------------------------------------------

declare -A PORT PID
STARTED_PIDS=()

cleanup() {
    # Only the processes this script started, by pid.
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 20000))
        # Any socket on the port, not only listeners: the idle scenario's thousands of client
        # sockets (and their TIME_WAIT) take ephemeral ports in this range too.
        if [[ -z "$(ss -Htan "sport = :$port or dport = :$port")" ]]; then
            echo "$port"
            return
        fi
    done
    echo "compare.sh: no free port found" >&2
    exit 1
}

wait_listening() { # port pid name
    for _ in $(seq 100); do
        [[ -n "$(ss -Htln "sport = :$1")" ]] && return 0
        kill -0 "$2" 2>/dev/null || { echo "compare.sh: $3 exited at start-up (see $WORKDIR/$3.log)" >&2; return 1; }
        sleep 0.1
    done
    echo "compare.sh: $3 does not listen on $1" >&2
    return 1
}

start_broker() { # name
    local name="$1" port
    port=$(free_port)
    case "$name" in
    mosquitto | mosquitto-nodelay)
        {
            echo "listener $port 127.0.0.1"
            echo "allow_anonymous true"
            [[ "$name" == mosquitto-nodelay ]] && echo "set_tcp_nodelay true"
        } >"$WORKDIR/$name.conf"
        "$MOSQUITTO" -c "$WORKDIR/$name.conf" >"$WORKDIR/$name.log" 2>&1 &
        ;;
    nats)
        local client_port
        client_port=$(free_port)
        mkdir -p "$WORKDIR/nats-store"
        cat >"$WORKDIR/nats.conf" <<CONF
server_name: sbbench
listen: 127.0.0.1:$client_port
jetstream { store_dir: "$WORKDIR/nats-store" }
mqtt { host: 127.0.0.1, port: $port }
CONF
        "$NATS_SERVER" -c "$WORKDIR/nats.conf" >"$WORKDIR/nats.log" 2>&1 &
        ;;
    switchboard)
        # shellcheck disable=SC2086 # SWITCHBOARD_ARGS is a list of words on purpose
        "$SWITCHBOARD" --port "$port" --bind 127.0.0.1 --log-level warn $SWITCHBOARD_ARGS \
            >"$WORKDIR/switchboard.log" 2>&1 &
        ;;
    *) echo "compare.sh: unknown broker $name" >&2; exit 2 ;;
    esac
    local pid=$!
    STARTED_PIDS+=("$pid")
    wait_listening "$port" "$pid" "$name" || return 1
    PORT[$name]=$port
    PID[$name]=$pid
}

stop_broker() { # name: by its pid, and forget the pid so cleanup never signals a reused one
    local pid="${PID[$1]}" kept=()
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${STARTED_PIDS[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
    STARTED_PIDS=("${kept[@]}")
}

# ---- scenarios ---------------------------------------------------------------------------

scenario_args() { # name -> bench arguments
    case "$1" in
    throughput-qos0) echo "throughput --qos 0 --duration $DURATION" ;;
    throughput-qos1) echo "throughput --qos 1 --duration $DURATION" ;;
    throughput-qos2) echo "throughput --qos 2 --duration $DURATION" ;;
    pairs-qos0) echo "throughput --qos 0 --publishers 4 --subscribers 4 --topic-mode pairs --duration $DURATION" ;;
    fanout-qos0) echo "fanout --qos 0 --subscribers 100 --duration $DURATION" ;;
    fanin-qos0) echo "fanin --qos 0 --publishers 100 --duration $DURATION" ;;
    fanin-qos1) echo "fanin --qos 1 --publishers 100 --duration $DURATION" ;;
    latency-qos0) echo "latency --spin --qos 0 --rate 50000 --duration $DURATION" ;;
    latency-qos1) echo "latency --spin --qos 1 --rate 50000 --duration $DURATION" ;;
    realistic-qos1) echo "realistic --qos 1 --publishers 2000 --rate 2000 --duration $DURATION" ;;
    idle) echo "idle --connections ${IDLE_CONNECTIONS:-19000} --duration 2" ;;
    *) echo "compare.sh: unknown scenario $1" >&2; exit 2 ;;
    esac
}

# NATS's MQTT support is 3.1.1 only and has no QoS 2.
supported() { # broker scenario
    [[ "$1" == nats && ( "$2" == *qos2* || "$PROTOCOL" != 3.1.1 ) ]] && return 1
    return 0
}

run_one() { # broker scenario rep
    local broker="$1" scenario="$2" rep="$3" args line rc=0 threads
    threads=$BENCH_THREADS
    [[ "$scenario" == idle ]] && threads=$IDLE_THREADS
    args="$(scenario_args "$scenario") --threads $threads --protocol $PROTOCOL"
    args+=" --host 127.0.0.1 --port ${PORT[$broker]} --broker-pid ${PID[$broker]}"
    args+=" --json --timeout $((DURATION + 40))"
    echo "  [$rep/$REPS] $scenario on $broker" >&2
    # shellcheck disable=SC2086
    line=$(timeout $((DURATION + 60)) "$BENCH" $args 2>>"$WORKDIR/bench-$broker.log" | grep '^{' | tail -n 1) || rc=$?
    [[ -n "$line" ]] || line='{"status":"no-output"}'
    jq -c --arg b "$broker" --arg s "$scenario" --argjson r "$rep" --argjson rc "$rc" \
        '. + {compare: {broker: $b, scenario: $s, rep: $r, exit: $rc}}' <<<"$line" >>"$RESULTS"
}

for broker in $BROKERS_TO_RUN; do
    start_broker "$broker" || start_broker "$broker" || start_broker "$broker"
    echo "started $broker on port ${PORT[$broker]} (pid ${PID[$broker]})" >&2
done

over_budget=0
for rep in $(seq "$REPS"); do
    [[ -n "$REPORT_ONLY" ]] && break
    for scenario in $SCENARIOS; do
        for broker in $BROKERS; do
            if (($(date +%s) - STARTED > BUDGET)); then
                over_budget=1
                break 3
            fi
            supported "$broker" "$scenario" || continue
            if [[ "$scenario" == idle ]]; then
                # Memory per connection is read from the broker's RSS: after heavy traffic the
                # allocator holds freed memory that new connections reuse, so start afresh.
                stop_broker "$broker"
                # A port can be taken between the check and the bind: try another.
                start_broker "$broker" || start_broker "$broker" || start_broker "$broker"
            fi
            kill -0 "${PID[$broker]}" 2>/dev/null || { echo "compare.sh: $broker died" >&2; continue; }
            run_one "$broker" "$scenario" "$rep"
        done
    done
done
((over_budget)) && echo "compare.sh: stopped after BUDGET=$BUDGET s; the table covers what ran" >&2

# ---- report ------------------------------------------------------------------------------

# median <broker> <scenario> <jq expression over one run>: over runs that completed.
median() {
    jq -rs --arg b "$1" --arg s "$2" "
        [ .[] | select(.compare.broker == \$b and .compare.scenario == \$s
                       and .status == \"ok\") | ($3) | select(. != null) ] | sort
        | if length == 0 then \"\"
          elif length % 2 == 1 then .[length / 2 | floor]
          else (.[length / 2 - 1] + .[length / 2]) / 2 end" "$RESULTS"
}

runs_failed() { # broker scenario -> count of runs that did not complete
    jq -rs --arg b "$1" --arg s "$2" \
        '[ .[] | select(.compare.broker == $b and .compare.scenario == $s and .status != "ok") ] | length' \
        "$RESULTS"
}

metrics_for() { # scenario -> lines "label|jq expression|better"
    case "$1" in
    latency-*)
        echo "latency p50 (us)|.latency_us.p50|lower"
        echo "latency p99 (us)|.latency_us.p99|lower"
        echo "latency p99.9 (us)|.latency_us.p999|lower"
        echo "lost|.lost|lower"
        echo "bench busy %|.bench.busy_percent|lower"
        ;;
    realistic-*)
        echo "latency p99 (us)|.latency_us.p99|lower"
        echo "broker CPU %|.broker.cpu_percent|lower"
        echo "lost|.lost|lower"
        ;;
    idle)
        echo "connects/s|.connect_rate|higher"
        echo "broker KiB per connection|.broker.rss_per_connection_kib|lower"
        ;;
    *)
        echo "deliveries/s|.deliveries_per_s|higher"
        echo "latency p99 (us)|.latency_us.p99|lower"
        echo "lost|.lost|lower"
        echo "bench CPU %|.bench.cpu_percent|lower"
        ;;
    esac
}

fmt() {
    if [[ -z "$1" ]]; then
        echo "–"
    else
        awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else printf "%.3g", v }'
    fi
}

report() {
    local header="| scenario | metric |" rule="|---|---|"
    for broker in $BROKERS; do header+=" $broker |"; rule+="---:|"; done
    for broker in $BROKERS; do
        [[ "$broker" == switchboard ]] && continue
        [[ " $BROKERS " == *" switchboard "* ]] || continue
        header+=" switchboard ÷ $broker |"; rule+="---:|"
    done
    echo "# Broker comparison ($(date -u +%Y-%m-%d), switchboard-bench, MQTT $PROTOCOL)"
    echo
    echo "Medians of $REPS repetition(s), ${DURATION} s of traffic per run, brokers alternating;"
    echo "bench threads: $BENCH_THREADS (idle: $IDLE_THREADS); switchboard args: '${SWITCHBOARD_ARGS}'."
    echo "Machine: $(nproc) cores, $(uname -r). Raw runs: \`$RESULTS\`."
    echo "Ratios are Switchboard's value over the other broker's (check the metric's direction)."
    echo
    echo "$header"
    echo "$rule"
    for scenario in $SCENARIOS; do
        while IFS='|' read -r label expr better; do
            local row="| $scenario | $label ($better is better) |" sb=""
            declare -A value=()
            for broker in $BROKERS; do
                if ! supported "$broker" "$scenario"; then value[$broker]="n/a"; continue; fi
                value[$broker]=$(median "$broker" "$scenario" "$expr")
                local failed
                failed=$(runs_failed "$broker" "$scenario")
                [[ "$failed" != 0 ]] && value[$broker]+=" ($failed failed)"
            done
            sb="${value[switchboard]:-}"
            for broker in $BROKERS; do
                local v="${value[$broker]}"
                [[ "$v" == n/a || "$v" == *failed* ]] && row+=" $v |" || row+=" $(fmt "$v") |"
            done
            for broker in $BROKERS; do
                [[ "$broker" == switchboard ]] && continue
                [[ " $BROKERS " == *" switchboard "* ]] || continue
                local other="${value[$broker]}"
                if [[ -n "$sb" && -n "$other" && "$sb" != *[!0-9.e+-]* && "$other" != *[!0-9.e+-]* ]] \
                    && awk -v o="$other" 'BEGIN { exit !(o > 0) }'; then
                    row+=" $(awk -v s="$sb" -v o="$other" 'BEGIN { printf "%.2f", s / o }') |"
                else
                    row+=" – |"
                fi
            done
            echo "$row"
            unset value
        done < <(metrics_for "$scenario")
    done
}

report >"$WORKDIR/report.md"
cat "$WORKDIR/report.md"
if [[ -n "$OUT" ]]; then
    cp "$WORKDIR/report.md" "$OUT"
    echo "compare.sh: wrote $OUT" >&2
fi
