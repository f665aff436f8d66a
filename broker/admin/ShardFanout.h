#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "broker/admin/AdminMailbox.h"
#include "broker/core/Broker.h"

namespace sb::admin {

// Runs a read on every shard's own thread and hands the partial results, in shard order, to a
// continuation on the admin thread. Nobody waits: the last shard to finish posts the
// continuation. Shard state is only ever read on its shard's thread (design: Threading).
class ShardFanout
{
public:
    template <typename Part>
    static void run(core::Broker& broker, const MailboxPtr& mailbox,
                    std::function<Part(core::Shard&)> read,
                    std::function<void(std::vector<Part>)> done)
    {
        struct State
        {
            std::mutex mutex;
            std::vector<Part> parts;
            std::size_t left = 0;
            std::function<Part(core::Shard&)> read;
            std::function<void(std::vector<Part>)> done;
            MailboxPtr mailbox;
        };
        const unsigned count = broker.shardCount();
        auto state = std::make_shared<State>();
        state->parts.resize(count);
        state->left = count;
        state->read = std::move(read);
        state->done = std::move(done);
        state->mailbox = mailbox;
        for (unsigned i = 0; i < count; ++i) {
            core::Shard& shard = broker.shard(i);
            shard.post([state, &shard, i] {
                Part part = state->read(shard);
                bool last = false;
                {
                    const std::lock_guard lock(state->mutex);
                    state->parts[i] = std::move(part);
                    last = --state->left == 0;
                }
                if (last) {
                    state->mailbox->post([state] { state->done(std::move(state->parts)); });
                }
            });
        }
    }
};

} // namespace sb::admin
