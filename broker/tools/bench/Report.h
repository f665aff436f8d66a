#pragma once

#include <ostream>
#include <string>

#include "broker/tools/bench/BenchOptions.h"
#include "broker/tools/bench/RunResult.h"

namespace sb::bench {

// A human-readable table of the run: parameters, counts, rates, latency, the generator's own
// CPU (with a warning when it, not the broker, may have been the limit).
void printTable(std::ostream& out, const BenchOptions& options, const RunResult& result);

// The run as one line of JSON (no newline): every parameter and every result, for scripts.
std::string jsonLine(const BenchOptions& options, const RunResult& result);

} // namespace sb::bench
