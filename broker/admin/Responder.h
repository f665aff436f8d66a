#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "broker/admin/AdminMailbox.h"
#include "broker/admin/ApiResponse.h"

namespace sb::admin {

// The one answer to one request. Copyable (it travels inside tasks posted to shards and store
// callbacks) and callable from any thread: the answer is handed to the HTTP session on the
// admin thread. The first send wins; if every copy is dropped without an answer (a shard task
// abandoned at shutdown), the client is told 503 rather than left waiting.
class Responder
{
public:
    using Sink = std::function<void(ApiResponse)>; // runs on the admin thread

    Responder(MailboxPtr mailbox, Sink sink)
        : m_state(std::make_shared<State>(std::move(mailbox), std::move(sink)))
    {}

    void send(ApiResponse response) const { m_state->deliver(std::move(response)); }
    const MailboxPtr& mailbox() const { return m_state->mailbox; }

private:
    struct State
    {
        State(MailboxPtr box, Sink target)
            : mailbox(std::move(box))
            , sink(std::move(target))
        {}
        State(const State&) = delete;
        State& operator=(const State&) = delete;
        ~State()
        {
            if (!sent.load()) {
                deliver(ApiResponse::unavailable("the broker is shutting down"));
            }
        }

        void deliver(ApiResponse response)
        {
            if (sent.exchange(true)) {
                return;
            }
            mailbox->post([target = std::move(sink), answer = std::move(response)]() mutable {
                target(std::move(answer));
            });
        }

        MailboxPtr mailbox;
        Sink sink;
        std::atomic<bool> sent{false};
    };
    std::shared_ptr<State> m_state;
};

} // namespace sb::admin
