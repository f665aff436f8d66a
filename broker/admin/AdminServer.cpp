#include "broker/admin/AdminServer.h"

#include <future>
#include <stdexcept>
#include <thread>

#include <boost/asio/ssl/context.hpp>
#include <spdlog/spdlog.h>

#include "broker/admin/AdminContext.h"
#include "broker/admin/AdminToken.h"
#include "broker/admin/ApiRouter.h"
#include "broker/admin/ClientEndpoints.h"
#include "broker/admin/ConnectionRegistry.h"
#include "broker/admin/DeadLetterEndpoints.h"
#include "broker/admin/HttpListener.h"
#include "broker/admin/LimitEndpoints.h"
#include "broker/admin/OverviewEndpoints.h"
#include "broker/admin/PublishEndpoint.h"
#include "broker/admin/QueueEndpoint.h"
#include "broker/admin/RetainedEndpoints.h"
#include "broker/admin/SessionEndpoints.h"
#include "broker/admin/StatsSampler.h"
#include "broker/admin/SubscriptionEndpoints.h"
#include "broker/admin/TopicEndpoints.h"
#include "broker/net/Server.h"

#ifndef SWITCHBOARD_VERSION
#define SWITCHBOARD_VERSION "unknown"
#endif

namespace sb::admin {

namespace {

constexpr auto kStopDeadline = std::chrono::seconds(5);

std::unique_ptr<boost::asio::ssl::context> makeTlsContext(const AdminOptions& options)
{
    namespace ssl = boost::asio::ssl;
    auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(options.tlsCertificateFile, ec);
    if (ec) {
        throw std::runtime_error(options.tlsCertificateFile +
                                 ": cannot use as the admin TLS certificate: " + ec.message());
    }
    tls->use_private_key_file(options.tlsKeyFile, ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error(options.tlsKeyFile +
                                 ": cannot use as the admin TLS private key: " + ec.message());
    }
    return tls;
}

} // namespace

// Member order matters: the io_context is destroyed last, after everything bound to it.
struct AdminServer::Impl
{
    Impl(net::Server& server, AdminOptions options)
        : mailbox(std::make_shared<AdminMailbox>(io))
        , context(server, server.broker(), io, mailbox, std::move(options))
        , sampler(server.broker(), io, mailbox)
        , overview(context)
        , clients(context)
        , sessions(context)
        , queue(context)
        , subscriptions(context)
        , topics(context)
        , retained(context)
        , publish(context)
        , deadLetters(context)
        , limits(context)
    {}

    boost::asio::io_context io{1};
    MailboxPtr mailbox;
    AdminContext context;
    std::string token;
    std::unique_ptr<ApiRouter> router;
    ConnectionRegistry connections;
    StatsSampler sampler;
    OverviewEndpoints overview;
    ClientEndpoints clients;
    SessionEndpoints sessions;
    QueueEndpoint queue;
    SubscriptionEndpoints subscriptions;
    TopicEndpoints topics;
    RetainedEndpoints retained;
    PublishEndpoint publish;
    DeadLetterEndpoints deadLetters;
    LimitEndpoints limits;
    std::unique_ptr<boost::asio::ssl::context> tls;
    std::shared_ptr<HttpListener> listener;
    std::thread thread;
    std::future<void> threadDone;
    bool started = false;
};

AdminServer::AdminServer(net::Server& server, AdminOptions options)
    : m_impl(std::make_unique<Impl>(server, std::move(options)))
{}

AdminServer::~AdminServer()
{
    stop();
}

void AdminServer::start()
{
    Impl& m = *m_impl;
    if (m.started) {
        return;
    }
    const AdminOptions& options = m.context.options;
    if (!options.token.empty()) {
        m.token = options.token;
    } else if (!options.tokenFile.empty()) {
        m.token = AdminToken::loadOrCreate(options.tokenFile);
    } else {
        m.token = AdminToken::generate();
    }
    if (options.tlsCertificateFile.empty() != options.tlsKeyFile.empty()) {
        throw std::runtime_error(
            "admin TLS needs both a certificate (admin_tls_cert) and a key (admin_tls_key)");
    }
    if (!options.tlsCertificateFile.empty()) {
        m.tls = makeTlsContext(options);
    }
    m.listener =
        std::make_shared<HttpListener>(m.context, options.bindAddress, options.port, m.tls.get());

    m.context.version = SWITCHBOARD_VERSION;
    m.context.startedAt = m.context.broker.clock().wallNow();
    m.context.startedSteady = std::chrono::steady_clock::now();
    m.context.port = m.listener->port();
    m.context.tls = m.tls != nullptr;
    m.router = std::make_unique<ApiRouter>(m.token);
    m.context.router = m.router.get();
    m.context.sampler = &m.sampler;
    m.context.connections = &m.connections;
    m.overview.addRoutes(*m.router);
    m.clients.addRoutes(*m.router);
    // The queue route before the session routes: "/sessions/{id}/queue" is more specific.
    m.queue.addRoutes(*m.router);
    m.sessions.addRoutes(*m.router);
    m.subscriptions.addRoutes(*m.router);
    m.topics.addRoutes(*m.router);
    m.retained.addRoutes(*m.router);
    m.publish.addRoutes(*m.router);
    m.deadLetters.addRoutes(*m.router);
    m.limits.addRoutes(*m.router);

    boost::asio::post(m.io, [&m] {
        m.listener->start();
        m.sampler.start();
    });
    std::promise<void> threadDone;
    m.threadDone = threadDone.get_future();
    m.thread = std::thread([&m, done = std::move(threadDone)]() mutable {
        for (;;) {
            try {
                m.io.run();
                break;
            } catch (const std::exception& error) {
                // A handler threw: log it and keep serving rather than take the API down.
                spdlog::error("admin API: {}", error.what());
            }
        }
        done.set_value();
    });
    m.started = true;
    spdlog::info("admin API on {}", url());
}

void AdminServer::stop()
{
    Impl& m = *m_impl;
    if (!m.started) {
        return;
    }
    m.started = false;
    // Close the listener, the timers and every connection; their handlers then finish (with
    // operation_aborted) and run() returns by itself. Bounded: do not hang shutdown on a
    // handler that does not finish.
    boost::asio::post(m.io, [&m] {
        m.listener->stop();
        m.sampler.stop();
        m.connections.shutdownAll();
    });
    m.threadDone.wait_for(kStopDeadline);
    m.mailbox->close();
    m.io.stop();
    m.thread.join();
}

std::uint16_t AdminServer::port() const
{
    return m_impl->context.port;
}

const std::string& AdminServer::token() const
{
    return m_impl->token;
}

std::string AdminServer::url() const
{
    const AdminOptions& options = m_impl->context.options;
    const bool v6 = options.bindAddress.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + options.bindAddress + "]" : options.bindAddress;
    return std::string(m_impl->context.tls ? "https" : "http") + "://" + host + ":" +
           std::to_string(port());
}

} // namespace sb::admin
