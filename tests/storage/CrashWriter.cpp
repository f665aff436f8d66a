// store_crash_writer: the process TestStoreCrash kills. Opens a sync-mode store in the data
// directory given, then writes publishes for session 1 without end, keeping a window in flight,
// and prints the id of every write the store has reported committed ("<id>\n", flushed at once).
// Whatever it printed must survive kill -9.

#include <atomic>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "broker/storage/SqliteStore.h"

using namespace sb;

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <data dir>\n", argv[0]);
        return 2;
    }
    storage::SqliteStore store(argv[1], core::Durability::Sync);
    store.recover(core::Clock::system().wallNow(), 10);
    core::SessionRecord session;
    session.sessionId = 1;
    session.clientId = "subscriber";
    session.expiryInterval = 0xFFFFFFFF;
    store.saveSession(session);
    store.flush();
    std::printf("ready\n");
    std::fflush(stdout);

    std::atomic<long> sequence{0};
    std::function<void()> submitNext = [&] {
        auto message = std::make_shared<core::Message>();
        message->topic = "crash/" + std::to_string(sequence.fetch_add(1));
        message->payload.assign(64, 'x');
        message->qos = 1;
        core::Persistence::PublishWrite write;
        write.message = message;
        core::StoredDelivery row;
        row.sessionId = 1;
        row.qos = 1;
        write.rows.push_back(row);
        write.onApplied = [&](std::uint64_t messageId, bool ok) {
            if (ok) {
                std::printf("%llu\n", static_cast<unsigned long long>(messageId));
                std::fflush(stdout);
            }
            submitNext();
        };
        store.submit(std::move(write));
    };
    for (int i = 0; i < 16; ++i) {
        submitNext();
    }
    std::promise<void>().get_future().wait(); // until killed
}
