#include "broker/admin/StreamSession.h"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "broker/admin/BodyReader.h"
#include "broker/admin/MessageJson.h"
#include "broker/admin/StatsSampler.h"
#include "broker/core/Broker.h"
#include "broker/core/Topic.h"

namespace sb::admin {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

constexpr auto kTapInterval = std::chrono::milliseconds(100);
constexpr std::size_t kMaxCommandBytes = 64 * 1024;
constexpr std::size_t kTapPreviewBytes = 1024;
constexpr std::size_t kTapMaxPayloadBytes = 64 * 1024;

} // namespace

template <typename Stream>
StreamSession<Stream>::StreamSession(AdminContext& context, Stream&& stream)
    : m_context(context)
    , m_broker(context.broker)
    , m_ws(std::move(stream))
    , m_tapTimer(context.io)
{}

template <typename Stream>
StreamSession<Stream>::~StreamSession()
{
    // May run while the admin server's io_context is destroyed (a handler that never ran):
    // only the broker, which outlives the admin server, is touched here.
    if (m_tap) {
        m_broker.taps().close(m_tap);
    }
}

template <typename Stream>
void StreamSession<Stream>::run(beast::http::request<beast::http::string_body> request)
{
    m_ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    m_ws.set_option(websocket::stream_base::decorator(
        [version = m_context.version](websocket::response_type& response) {
            response.set(beast::http::field::server, "switchboard/" + version);
        }));
    m_ws.read_message_max(kMaxCommandBytes);
    m_ws.async_accept(
        request, [self = this->shared_from_this()](beast::error_code ec) { self->onAccept(ec); });
}

template <typename Stream>
void StreamSession<Stream>::shutdown()
{
    finish();
    beast::get_lowest_layer(m_ws).close();
}

template <typename Stream>
void StreamSession<Stream>::onAccept(beast::error_code ec)
{
    if (ec) {
        finish();
        return;
    }
    std::weak_ptr<StreamSession> weak = this->shared_from_this();
    m_listenerId =
        m_context.sampler->addListener([weak](const std::shared_ptr<const std::string>& frame) {
            if (auto self = weak.lock()) {
                self->send(frame);
            }
        });
    sendJson(boost::json::object{{"type", "hello"},
                                 {"version", m_context.version},
                                 {"interval_seconds", 1.0},
                                 {"max_tap_rate", static_cast<int>(kMaxTapRate)}});
    readCommand();
}

template <typename Stream>
void StreamSession<Stream>::readCommand()
{
    m_ws.async_read(
        m_readBuffer, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->finish();
                return;
            }
            const std::string text = beast::buffers_to_string(self->m_readBuffer.data());
            self->m_readBuffer.consume(self->m_readBuffer.size());
            self->onCommand(text);
            self->readCommand();
        });
}

template <typename Stream>
void StreamSession<Stream>::onCommand(const std::string& text)
{
    BodyReader command(text);
    if (command.ok()) {
        command.rejectUnknown({"tap"});
    }
    if (command.ok() && !command.root().contains("tap")) {
        command.fail("tap", "is required");
    }
    if (!command.ok()) {
        sendJson(boost::json::object{{"type", "error"}, {"error", command.errorObject()}});
        return;
    }
    if (command.root().at("tap").is_null()) {
        closeTap();
        sendJson(boost::json::object{{"type", "tap_stopped"}});
        return;
    }
    const boost::json::object* tap = command.object("tap");
    std::optional<std::string> filter;
    std::optional<std::int64_t> rate;
    if (tap != nullptr) {
        BodyReader fields(command, *tap, "tap");
        fields.rejectUnknown({"filter", "max_rate"});
        filter = fields.string("filter", true);
        rate = fields.integer("max_rate", 1, static_cast<std::int64_t>(kMaxTapRate));
        if (filter &&
            (!core::topic::isValidTopicFilter(*filter) || core::topic::isShared(*filter))) {
            fields.fail("filter", "expected an MQTT topic filter such as sensors/#");
        }
    }
    if (!command.ok()) {
        sendJson(boost::json::object{{"type", "error"}, {"error", command.errorObject()}});
        return;
    }
    openTap(*filter, rate ? static_cast<double>(*rate) : 100.0);
}

template <typename Stream>
void StreamSession<Stream>::openTap(std::string filter, double maxRate)
{
    closeTap();
    sendJson(boost::json::object{{"type", "tap_started"},
                                 {"filter", filter},
                                 {"max_rate", static_cast<std::int64_t>(maxRate)}});
    m_tap =
        m_context.broker.taps().open(std::move(filter), maxRate, m_context.broker.clock().now());
    scheduleTapDrain();
}

template <typename Stream>
void StreamSession<Stream>::closeTap()
{
    if (m_tap) {
        m_context.broker.taps().close(m_tap);
        m_tap.reset();
    }
    m_tapTimer.cancel();
}

template <typename Stream>
void StreamSession<Stream>::scheduleTapDrain()
{
    m_tapTimer.expires_after(kTapInterval);
    m_tapTimer.async_wait([self = this->shared_from_this(), tap = m_tap](beast::error_code ec) {
        if (ec || self->m_finished || self->m_tap != tap) {
            return; // cancelled, or replaced by a newer tap with its own timer
        }
        self->drainTap();
        self->scheduleTapDrain();
    });
}

template <typename Stream>
void StreamSession<Stream>::drainTap()
{
    std::uint64_t skipped = 0;
    const auto messages = m_context.broker.taps().drain(m_tap, skipped);
    if (messages.empty() && skipped == 0) {
        return;
    }
    MessageJson::Options options;
    options.previewBytes = kTapPreviewBytes;
    options.maxPayloadBytes = kTapMaxPayloadBytes;
    boost::json::array items;
    items.reserve(messages.size());
    for (const auto& message : messages) {
        items.push_back(MessageJson::describe(*message, options));
    }
    sendJson(boost::json::object{{"type", "tap"},
                                 {"filter", m_tap->filter},
                                 {"messages", std::move(items)},
                                 {"skipped", skipped}});
}

template <typename Stream>
void StreamSession<Stream>::sendJson(const boost::json::object& object)
{
    send(std::make_shared<const std::string>(boost::json::serialize(object)));
}

template <typename Stream>
void StreamSession<Stream>::send(std::shared_ptr<const std::string> frame)
{
    if (m_finished) {
        return;
    }
    if (m_outbox.size() >= kMaxQueuedFrames) {
        ++m_droppedFrames;
        return;
    }
    if (m_droppedFrames > 0) {
        // Say so before the next frame that does get through.
        auto notice = std::make_shared<const std::string>(boost::json::serialize(
            boost::json::object{{"type", "dropped"}, {"frames", m_droppedFrames}}));
        m_droppedFrames = 0;
        m_outbox.push_back(std::move(notice));
    }
    m_outbox.push_back(std::move(frame));
    if (!m_writing) {
        writeNext();
    }
}

template <typename Stream>
void StreamSession<Stream>::writeNext()
{
    if (m_outbox.empty() || m_finished) {
        m_writing = false;
        return;
    }
    m_writing = true;
    m_ws.text(true);
    // The lambda keeps the frame alive: finish() may clear the outbox during the write.
    const std::shared_ptr<const std::string> frame = m_outbox.front();
    m_ws.async_write(boost::asio::buffer(*frame),
                     [self = this->shared_from_this(), frame](beast::error_code ec, std::size_t) {
                         if (ec || self->m_finished) {
                             self->finish();
                             return;
                         }
                         self->m_outbox.pop_front();
                         self->writeNext();
                     });
}

template <typename Stream>
void StreamSession<Stream>::finish()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    if (m_listenerId != 0) {
        m_context.sampler->removeListener(m_listenerId);
        m_listenerId = 0;
    }
    closeTap();
    m_outbox.clear();
}

template class StreamSession<beast::tcp_stream>;
template class StreamSession<beast::ssl_stream<beast::tcp_stream>>;

} // namespace sb::admin
