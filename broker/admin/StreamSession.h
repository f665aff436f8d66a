#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>

#include "broker/admin/AdminContext.h"
#include "broker/admin/ConnectionRegistry.h"
#include "broker/core/Broker.h"
#include "broker/core/TapHub.h"

namespace sb::admin {

// One console window on /api/v1/stream: a stats frame each second from the sampler, and, while
// a tap is open, the messages it sampled, sent every 100 ms. The client steers the tap with
// {"tap": {"filter": "...", "max_rate": N}} and {"tap": null}. Frames wait in a bounded queue
// with one write in flight; a client that reads too slowly loses frames (counted and reported
// in the next one), never slows the broker. Runs on the admin thread.
template <typename Stream>
class StreamSession final : public AdminConnection,
                            public std::enable_shared_from_this<StreamSession<Stream>>
{
public:
    static constexpr std::size_t kMaxQueuedFrames = 64;
    static constexpr double kMaxTapRate = 1000;

    StreamSession(AdminContext& context, Stream&& stream);
    ~StreamSession() override;

    void run(boost::beast::http::request<boost::beast::http::string_body> request);
    void shutdown() override;

private:
    void onAccept(boost::beast::error_code ec);
    void readCommand();
    void onCommand(const std::string& text);
    void openTap(std::string filter, double maxRate);
    void closeTap();
    void scheduleTapDrain();
    void drainTap();
    void send(std::shared_ptr<const std::string> frame);
    void sendJson(const boost::json::object& object);
    void writeNext();
    void finish();

    AdminContext& m_context;
    core::Broker& m_broker;
    boost::beast::websocket::stream<Stream> m_ws;
    boost::beast::flat_buffer m_readBuffer;
    std::deque<std::shared_ptr<const std::string>> m_outbox;
    bool m_writing = false;
    bool m_finished = false;
    std::uint64_t m_droppedFrames = 0;
    std::uint64_t m_listenerId = 0;

    core::TapHub::TapPtr m_tap;
    boost::asio::steady_timer m_tapTimer;
};

} // namespace sb::admin
