// storage_throughput: how many publish writes per second the store keeps, and in how many
// commits (fsyncs in sync mode). Not a CTest test: numbers depend on the disk.
//
//   storage_throughput <sync|async> [writes=20000] [inflight=64] [payload bytes=100] [dir]
//
// `inflight` writes are outstanding at any time, as with publishers waiting for PUBACK: each
// callback submits the next write, so sync mode measures group commit under a bounded window
// rather than one giant batch.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "broker/storage/SqliteStore.h"

using namespace sb;

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <sync|async> [writes] [inflight] [payload bytes] [dir]\n",
                     argv[0]);
        return 2;
    }
    const std::string modeName = argv[1];
    const auto mode = modeName == "sync" ? core::Durability::Sync : core::Durability::Async;
    const long total = argc > 2 ? std::atol(argv[2]) : 20000;
    const long inflight = argc > 3 ? std::atol(argv[3]) : 64;
    const std::size_t payloadBytes = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 100;
    const std::filesystem::path dir =
        argc > 5 ? std::filesystem::path(argv[5])
                 : std::filesystem::temp_directory_path() / "switchboard-throughput";
    std::filesystem::remove_all(dir);

    storage::SqliteStore store(dir.string(), mode);
    store.recover(core::Clock::system().wallNow(), 100);
    core::SessionRecord session;
    session.sessionId = 1;
    session.clientId = "subscriber";
    session.expiryInterval = 3600;
    store.saveSession(session);
    store.flush();

    auto message = std::make_shared<core::Message>();
    message->topic = "bench/topic";
    message->payload.assign(payloadBytes, 'x');
    message->qos = 1;
    message->publisherClientId = "publisher";
    const core::MessagePtr shared = message;

    std::atomic<long> submitted{0};
    std::atomic<long> done{0};
    std::atomic<long> failed{0};
    std::promise<void> finished;
    std::function<void()> submitNext = [&] {
        if (submitted.fetch_add(1) >= total) {
            return;
        }
        core::Persistence::PublishWrite write;
        write.message = shared;
        core::StoredDelivery row;
        row.sessionId = 1;
        row.qos = 1;
        write.rows.push_back(row);
        write.onApplied = [&](std::uint64_t, bool ok) {
            if (!ok) {
                failed.fetch_add(1);
            }
            if (done.fetch_add(1) + 1 == total) {
                finished.set_value();
            }
            submitNext();
        };
        store.submit(std::move(write));
    };

    const auto before = store.stats();
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < inflight; ++i) {
        submitNext();
    }
    finished.get_future().wait();
    store.flush();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto after = store.stats();
    const auto commits = after.commits - before.commits;
    std::printf("%s: %ld writes (1 queue row, %zu-byte payload, %ld in flight) in %.3f s: "
                "%.0f writes/s, %llu commits (%.0f commits/s, %.1f writes per commit), "
                "%ld failed, database %llu bytes\n",
                modeName.c_str(), total, payloadBytes, inflight, seconds, total / seconds,
                static_cast<unsigned long long>(commits), commits / seconds,
                commits > 0 ? static_cast<double>(total) / static_cast<double>(commits) : 0.0,
                failed.load(), static_cast<unsigned long long>(after.databaseBytes));
    store.close();
    std::filesystem::remove_all(dir);
    return failed.load() == 0 ? 0 : 1;
}
