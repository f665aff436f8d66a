#pragma once

#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>

#include "broker/facade/EmbeddedBrokerHost.h"

namespace sb::facade {

// An spdlog sink that formats each record and hands it to the host's LogSink, so the embedding
// program sees the broker's log without a terminal. The mutex of base_sink serialises the
// formatter; the LogSink itself must still be thread-safe (it is called from broker threads).
class CallbackLogSink final : public spdlog::sinks::base_sink<std::mutex>
{
public:
    explicit CallbackLogSink(EmbeddedBrokerHost::LogSink callback)
        : m_sink(std::move(callback))
    {}

protected:
    void sink_it_(const spdlog::details::log_msg& message) override
    {
        spdlog::memory_buf_t formatted;
        formatter_->format(message, formatted);
        std::string line(formatted.data(), formatted.size());
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
            line.pop_back();
        }
        m_sink(static_cast<int>(message.level), std::move(line));
    }
    void flush_() override {}

private:
    EmbeddedBrokerHost::LogSink m_sink;
};

} // namespace sb::facade
