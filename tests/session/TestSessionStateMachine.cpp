// The broker's per-connection and per-session state machine, driven in memory on a manual
// clock: keepalive, connect timeout, will delay, session expiry, message expiry, QoS 2
// exactly-once and flow control, without sockets or waiting.

#include <QtTest/QTest>

#include "tests/session/CoreHarness.h"
#include "tests/support/TestPrinters.h"

using namespace std::chrono_literals;
using namespace sb;
using protocol::ReasonCode;
using protocol::Version;

namespace {

protocol::Subscribe subscribeTo(const std::string& filter, std::uint8_t qos, std::uint16_t id = 1)
{
    protocol::Subscribe s;
    s.packetId = id;
    s.subscriptions.push_back(
        {filter, {qos, false, false, protocol::RetainHandling::SendOnSubscribe}});
    return s;
}

protocol::Publish publishTo(const std::string& topic, const std::string& payload,
                            std::uint8_t qos = 0, std::uint16_t id = 0)
{
    protocol::Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.packetId = id;
    return p;
}

std::uint8_t rc(ReasonCode reason)
{
    return static_cast<std::uint8_t>(reason);
}

} // namespace

class TestSessionStateMachine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connackAssignsClientIdentifier()
    {
        test::CoreHarness h;
        protocol::Connect c;
        c.clientId = "";
        auto conn = h.connect(c);
        auto acks = conn->receivedOf<protocol::Connack>();
        QCOMPARE(acks.size(), std::size_t(1));
        QCOMPARE(acks[0].reasonCode, std::uint8_t(0));
        QVERIFY(acks[0].properties.assignedClientIdentifier.has_value());
        QVERIFY(!acks[0].properties.assignedClientIdentifier->empty());
        QCOMPARE(conn->client().clientId(), *acks[0].properties.assignedClientIdentifier);
    }

    void keepAliveExpiresAfterOneAndAHalfTimes()
    {
        test::CoreHarness h;
        protocol::Connect c;
        c.clientId = "ka";
        c.keepAlive = 10;
        auto conn = h.connect(c);
        conn->received();
        h.advance(14s);
        QVERIFY(!conn->closeRequested());
        conn->send(protocol::Pingreq{}); // activity resets the timer
        QCOMPARE(conn->receivedOf<protocol::Pingresp>().size(), std::size_t(1));
        h.advance(14s);
        QVERIFY(!conn->closeRequested());
        h.advance(2s); // 16 s of silence > 15 s
        QVERIFY(conn->closeRequested());
        auto disconnects = conn->receivedOf<protocol::Disconnect>();
        QCOMPARE(disconnects.size(), std::size_t(1));
        QCOMPARE(disconnects[0].reasonCode, rc(ReasonCode::KeepAliveTimeout));
    }

    void serverKeepAliveClampsToLimits()
    {
        core::Limits limits;
        limits.maxKeepAlive = 30;
        test::CoreHarness h(limits);
        protocol::Connect c;
        c.clientId = "clamped";
        c.keepAlive = 0;
        auto conn = h.connect(c);
        auto acks = conn->receivedOf<protocol::Connack>();
        QCOMPARE(acks.size(), std::size_t(1));
        QCOMPARE(acks[0].properties.serverKeepAlive.value_or(0), std::uint16_t(30));
        h.advance(46s);
        QVERIFY(conn->closeRequested());
    }

    void connectionWithoutConnectTimesOut()
    {
        test::CoreHarness h;
        test::FakeConnection conn(h.shard(), Version::V5);
        h.advance(9s);
        QVERIFY(!conn.closeRequested());
        h.advance(2s);
        QVERIFY(conn.closeRequested());
        QVERIFY(conn.received().empty()); // nothing may be sent before CONNACK
    }

    void willIsDelayedThenPublished()
    {
        test::CoreHarness h;
        auto watcher = h.connect("watcher");
        watcher->send(subscribeTo("wills/#", 0));
        watcher->received();

        protocol::Connect c;
        c.clientId = "dying";
        c.properties.sessionExpiryInterval = 60;
        c.will = protocol::Will{"wills/dying", "gone", 0, false, {}};
        c.will->properties.willDelayInterval = 5;
        auto dying = h.connect(c);
        dying->closeTransport(); // network failure: no DISCONNECT
        h.advance(4s);
        QVERIFY(watcher->receivedOf<protocol::Publish>().empty());
        h.advance(2s);
        auto wills = watcher->receivedOf<protocol::Publish>();
        QCOMPARE(wills.size(), std::size_t(1));
        QCOMPARE(wills[0].topic, std::string("wills/dying"));
        QCOMPARE(wills[0].payload, std::string("gone"));
    }

    void delayedWillIsCancelledByReconnect()
    {
        test::CoreHarness h;
        auto watcher = h.connect("watcher");
        watcher->send(subscribeTo("wills/#", 0));
        watcher->received();

        protocol::Connect c;
        c.clientId = "flaky";
        c.cleanStart = false;
        c.properties.sessionExpiryInterval = 60;
        c.will = protocol::Will{"wills/flaky", "gone", 0, false, {}};
        c.will->properties.willDelayInterval = 5;
        auto first = h.connect(c);
        first->closeTransport();
        h.advance(2s);
        c.will.reset();
        auto second = h.connect(c);
        auto acks = second->receivedOf<protocol::Connack>();
        QCOMPARE(acks.size(), std::size_t(1));
        QVERIFY(acks[0].sessionPresent);
        h.advance(10s);
        QVERIFY(watcher->receivedOf<protocol::Publish>().empty());
    }

    void willNotSentAfterNormalDisconnectButAfter0x04()
    {
        test::CoreHarness h;
        auto watcher = h.connect("watcher");
        watcher->send(subscribeTo("wills/#", 0));
        watcher->received();

        for (const std::uint8_t reason : {std::uint8_t(0x00), std::uint8_t(0x04)}) {
            protocol::Connect c;
            c.clientId = "polite";
            c.will = protocol::Will{"wills/polite", "bye", 0, false, {}};
            auto conn = h.connect(c);
            protocol::Disconnect d;
            d.reasonCode = reason;
            conn->send(d);
            QVERIFY(conn->closeRequested());
            conn->closeTransport();
            h.executor.runAll();
            const auto wills = watcher->receivedOf<protocol::Publish>();
            QCOMPARE(wills.size(), std::size_t(reason == 0x04 ? 1 : 0));
        }
    }

    void sessionExpiresWhileOffline()
    {
        test::CoreHarness h;
        auto conn = h.connect("expiring", Version::V5, 10, false);
        conn->send(subscribeTo("a/b", 1));
        conn->closeTransport();
        QCOMPARE(h.broker.sessionCount(), std::size_t(1));
        h.advance(9s);
        QCOMPARE(h.broker.sessionCount(), std::size_t(1));
        h.advance(2s);
        QCOMPARE(h.broker.sessionCount(), std::size_t(0));
        QCOMPARE(h.broker.router().subscriptionCount(), std::size_t(0));
    }

    void queuedMessageExpiresAndExpiryIsDecremented()
    {
        test::CoreHarness h;
        auto sub = h.connect("sub", Version::V5, 300, false);
        sub->send(subscribeTo("t", 1));
        sub->closeTransport();

        auto pub = h.connect("pub");
        auto shortLived = publishTo("t", "short", 1, 1);
        shortLived.properties.messageExpiryInterval = 5;
        auto longLived = publishTo("t", "long", 1, 2);
        longLived.properties.messageExpiryInterval = 10;
        pub->send(shortLived);
        pub->send(longLived);
        QCOMPARE(pub->receivedOf<protocol::Puback>().size(), std::size_t(2));

        h.advance(6s);
        auto back = h.connect("sub", Version::V5, 300, false);
        auto packets = back->receivedOf<protocol::Publish>();
        QCOMPARE(packets.size(), std::size_t(1));
        QCOMPARE(packets[0].payload, std::string("long"));
        QCOMPARE(packets[0].properties.messageExpiryInterval.value_or(0), std::uint32_t(4));
        const auto expired =
            h.broker.totals().dropped[static_cast<std::size_t>(core::DropReason::Expired)];
        QCOMPARE(expired, std::uint64_t(1));
    }

    void qos2DuplicateIsNotDeliveredTwice()
    {
        test::CoreHarness h;
        auto sub = h.connect("sub");
        sub->send(subscribeTo("x", 2));
        sub->received();
        auto pub = h.connect("pub");
        auto message = publishTo("x", "once", 2, 7);
        pub->send(message);
        message.dup = true;
        pub->send(message); // resend before PUBREL: must not be routed again
        QCOMPARE(pub->receivedOf<protocol::Pubrec>().size(), std::size_t(2));
        protocol::Pubrel rel;
        rel.packetId = 7;
        pub->send(rel);
        auto comps = pub->receivedOf<protocol::Pubcomp>();
        QCOMPARE(comps.size(), std::size_t(1));
        QCOMPARE(comps[0].reasonCode, std::uint8_t(0));
        QCOMPARE(sub->receivedOf<protocol::Publish>().size(), std::size_t(1));
        // A PUBREL for an id we no longer hold is answered 0x92.
        pub->send(rel);
        comps = pub->receivedOf<protocol::Pubcomp>();
        QCOMPARE(comps.size(), std::size_t(1));
        QCOMPARE(comps[0].reasonCode, rc(ReasonCode::PacketIdentifierNotFound));
    }

    void receiveMaximumExceededDisconnects()
    {
        core::Limits limits;
        limits.receiveMaximum = 2;
        test::CoreHarness h(limits);
        auto pub = h.connect("pub");
        pub->received();
        // QoS 2 publishes stay unanswered (no PUBREL), so the third exceeds the window of 2.
        pub->send(publishTo("q", "1", 2, 1));
        pub->send(publishTo("q", "2", 2, 2));
        QVERIFY(!pub->closeRequested());
        pub->send(publishTo("q", "3", 2, 3));
        QVERIFY(pub->closeRequested());
        auto disconnects = pub->receivedOf<protocol::Disconnect>();
        QCOMPARE(disconnects.size(), std::size_t(1));
        QCOMPARE(disconnects[0].reasonCode, rc(ReasonCode::ReceiveMaximumExceeded));
    }

    void outboundWindowFollowsClientReceiveMaximum()
    {
        test::CoreHarness h;
        protocol::Connect c;
        c.clientId = "slow";
        c.properties.receiveMaximum = 2;
        auto sub = h.connect(c);
        sub->send(subscribeTo("w", 1));
        sub->received();
        auto pub = h.connect("pub");
        for (std::uint16_t i = 1; i <= 5; ++i) {
            pub->send(publishTo("w", std::to_string(i), 1, i));
        }
        auto first = sub->receivedOf<protocol::Publish>();
        QCOMPARE(first.size(), std::size_t(2));
        protocol::Puback ack;
        ack.packetId = first[0].packetId;
        sub->send(ack);
        auto next = sub->receivedOf<protocol::Publish>();
        QCOMPARE(next.size(), std::size_t(1));
        QCOMPARE(next[0].payload, std::string("3"));
    }

    void inflightIsResentWithDupOnReconnect()
    {
        test::CoreHarness h;
        auto sub = h.connect("resume", Version::V5, 100, false);
        sub->send(subscribeTo("r", 1));
        sub->received();
        auto pub = h.connect("pub");
        pub->send(publishTo("r", "m1", 1, 1));
        auto sent = sub->receivedOf<protocol::Publish>();
        QCOMPARE(sent.size(), std::size_t(1));
        QVERIFY(!sent[0].dup);
        sub->closeTransport();
        auto again = h.connect("resume", Version::V5, 100, false);
        auto resent = again->receivedOf<protocol::Publish>();
        QCOMPARE(resent.size(), std::size_t(1));
        QVERIFY(resent[0].dup);
        QCOMPARE(resent[0].packetId, sent[0].packetId);
        QCOMPARE(resent[0].payload, std::string("m1"));
    }
};

QTEST_GUILESS_MAIN(TestSessionStateMachine)
#include "TestSessionStateMachine.moc"
