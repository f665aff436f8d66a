// switchboard-bench: a load generator for any MQTT 3.1.1/5.0 broker (see --help).

#include <iostream>
#include <stdexcept>

#include "broker/tools/bench/BenchOptions.h"
#include "broker/tools/bench/Report.h"
#include "broker/tools/bench/Runner.h"

int main(int argc, char** argv)
{
    sb::bench::BenchOptions options;
    if (const int exitCode = sb::bench::parseBenchOptions(argc, argv, options); exitCode >= 0) {
        return exitCode;
    }
    try {
        sb::bench::Runner runner(options);
        const sb::bench::RunResult result = runner.run();
        // With --json, stdout carries only the JSON line, so scripts can pipe it to jq.
        std::ostream& table = options.jsonOnly ? std::cerr : std::cout;
        sb::bench::printTable(table, options, result);
        std::cout << sb::bench::jsonLine(options, result) << std::endl;
        // 0: ran and the broker behaved; 3: ran, but lost/duplicated/reordered what it must
        // not; 1: could not complete (errors, timeout).
        if (result.status != "ok") {
            return 1;
        }
        return result.correct || options.scenario == sb::bench::Scenario::Idle ? 0 : 3;
    } catch (const std::exception& error) {
        std::cerr << "switchboard-bench: " << error.what() << "\n";
        return 1;
    }
}
