// Decoder robustness: deterministic mutations of valid frames and exhaustive short inputs. Run
// under ASan/UBSan as well: there, "does not crash" also means "reads nothing out of bounds".

#include <array>

#include <QtTest/QTest>

#include "broker/protocol/Codec.h"
#include "tests/protocol/CodecTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb::protocol;

namespace {

// SplitMix64: the same sequence on every platform and standard library (the <random>
// distributions are implementation-defined), so a failing iteration can be replayed.
class Random
{
public:
    explicit Random(std::uint64_t seed)
        : m_state(seed)
    {}

    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    std::size_t below(std::size_t bound) { return bound == 0 ? 0 : next() % bound; }
    char byte() { return static_cast<char>(next() & 0xFF); }

private:
    std::uint64_t m_state;
};

// Bytes that tend to sit on boundaries the decoder checks.
constexpr std::array<std::uint8_t, 12> kInteresting = {0x00, 0x01, 0x02, 0x03, 0x7F, 0x80,
                                                       0xFF, 0xC0, 0xED, 0x2B, 0x23, 0x26};

void mutate(std::string& frame, Random& random, const std::vector<sb::test::SampleFrame>& samples)
{
    switch (random.below(8)) {
    case 0: // flip a bit
        if (!frame.empty()) {
            frame[random.below(frame.size())] ^= static_cast<char>(1U << random.below(8));
        }
        break;
    case 1: // overwrite a byte
        if (!frame.empty()) {
            frame[random.below(frame.size())] = random.byte();
        }
        break;
    case 2: // a boundary value
        if (!frame.empty()) {
            frame[random.below(frame.size())] =
                static_cast<char>(kInteresting[random.below(kInteresting.size())]);
        }
        break;
    case 3: // insert
        frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(random.below(frame.size() + 1)),
                     random.byte());
        break;
    case 4: // delete
        if (!frame.empty()) {
            frame.erase(random.below(frame.size()), 1);
        }
        break;
    case 5: // truncate
        frame.resize(random.below(frame.size() + 1));
        break;
    case 6: // repeat a slice
        if (!frame.empty()) {
            const std::size_t start = random.below(frame.size());
            const std::size_t length = 1 + random.below(frame.size() - start);
            frame.insert(start, frame.substr(start, length));
        }
        break;
    default: { // splice in the tail of another sample
        const std::string& other = samples[random.below(samples.size())].bytes;
        frame.resize(random.below(frame.size() + 1));
        frame += other.substr(random.below(other.size()));
        break;
    }
    }
}

// Rewrites the Remaining Length to fit what follows, so the decoder gets past framing and
// exercises the packet bodies.
std::string withConsistentLength(const std::string& frame)
{
    if (frame.empty()) {
        return frame;
    }
    FixedHeader header;
    std::size_t bodyStart = 1;
    if (sb::protocol::parseFixedHeader(frame, header) == FrameStatus::Complete) {
        bodyStart = header.headerSize;
    }
    bodyStart = std::min(bodyStart, frame.size());
    const std::string body = frame.substr(bodyStart);
    std::string out(1, frame[0]);
    appendVariableByteInteger(static_cast<std::uint32_t>(body.size()), out);
    return out + body;
}

struct Tally
{
    std::size_t accepted = 0;
    std::size_t refused = 0;
};

// Decodes `frame`; what is accepted must survive encode/decode unchanged, what is refused
// must say why. Returns false (with `failure` set) on a violated property.
bool check(std::string_view frame, Version version, Tally& tally, std::string& failure)
{
    const DecodeResult decoded = decodeFrame(frame, version);
    if (!decoded) {
        ++tally.refused;
        if (decoded.error().message.empty() || !isError(decoded.error().reason)) {
            failure = "refused without a message or with a success code: " + sb::test::hex(frame);
            return false;
        }
        return true;
    }
    ++tally.accepted;
    const std::string encoded = encodeToString(*decoded, version);
    if (encoded.size() != encodedSize(*decoded, version)) {
        failure = "encodedSize() disagrees with encode() for " + sb::test::hex(frame);
        return false;
    }
    const DecodeResult again = decodeFrame(encoded, version);
    if (!again || !(*again == *decoded)) {
        failure = "accepted frame does not survive a round trip: " + sb::test::hex(frame) + " -> " +
                  sb::test::hex(encoded);
        return false;
    }
    return true;
}

} // namespace

class TestCodecRobustness : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mutatedSampleFrames();
    void everyInputOfUpToTwoBytes();
    void everyThreeByteFrame();
    void lengthsLargerThanTheData();
};

void TestCodecRobustness::mutatedSampleFrames()
{
    constexpr std::size_t kIterations = 200'000;
    const std::vector<sb::test::SampleFrame>& samples = sb::test::sampleFrames();
    Random random(0x5B0A4D);
    Tally tally;
    std::string failure;
    for (std::size_t i = 0; i < kIterations; ++i) {
        const sb::test::SampleFrame& sample = samples[random.below(samples.size())];
        std::string frame = sample.bytes;
        const std::size_t mutations = 1 + random.below(4);
        for (std::size_t m = 0; m < mutations; ++m) {
            mutate(frame, random, samples);
        }
        if (random.below(2) == 0) {
            frame = withConsistentLength(frame);
        }
        const Version version = random.below(4) == 0
                                    ? (sample.version == Version::V5 ? Version::V311 : Version::V5)
                                    : sample.version;
        if (!check(frame, version, tally, failure)) {
            QFAIL(("iteration " + std::to_string(i) + ": " + failure).c_str());
        }
    }
    // The mutator must reach both outcomes, or the test proves little.
    qInfo("accepted %zu, refused %zu", tally.accepted, tally.refused);
    QVERIFY(tally.accepted > kIterations / 100);
    QVERIFY(tally.refused > kIterations / 2);
}

void TestCodecRobustness::everyInputOfUpToTwoBytes()
{
    Tally tally;
    std::string failure;
    for (const Version version : {Version::V311, Version::V5}) {
        QVERIFY(check({}, version, tally, failure));
        for (int first = 0; first < 256; ++first) {
            const std::string one(1, static_cast<char>(first));
            QVERIFY2(check(one, version, tally, failure), failure.c_str());
            for (int second = 0; second < 256; ++second) {
                const std::string two = one + static_cast<char>(second);
                QVERIFY2(check(two, version, tally, failure), failure.c_str());
            }
        }
    }
    // Exactly the empty-body packets are accepted: PINGREQ, PINGRESP and DISCONNECT in both
    // versions, and AUTH in 5.0.
    QCOMPARE(tally.accepted, std::size_t{7});
}

void TestCodecRobustness::everyThreeByteFrame()
{
    // Remaining Length 1: every first byte with every single body byte.
    Tally tally;
    std::string failure;
    for (const Version version : {Version::V311, Version::V5}) {
        for (int first = 0; first < 256; ++first) {
            for (int body = 0; body < 256; ++body) {
                const std::string frame{static_cast<char>(first), '\x01', static_cast<char>(body)};
                QVERIFY2(check(frame, version, tally, failure), failure.c_str());
            }
        }
    }
    // 5.0 DISCONNECT with each of its 29 reason codes; nothing else fits in one body byte.
    QCOMPARE(tally.accepted, std::size_t{29});
}

void TestCodecRobustness::lengthsLargerThanTheData()
{
    // A hostile header announcing far more than arrives must not make the decoder reserve or
    // read according to the announcement.
    const std::string frame = sb::test::bytes("30 ff ff ff 7f 00 01 74");
    QVERIFY(!decodeFrame(frame, Version::V5).hasValue());

    FixedHeader header;
    QCOMPARE(sb::protocol::parseFixedHeader(frame, header), FrameStatus::Complete);
    QCOMPARE(header.remainingLength, kMaxVariableByteInteger);
    const DecodeResult decoded =
        decode(header, std::string_view(frame).substr(header.headerSize), Version::V5);
    QVERIFY(!decoded.hasValue());
    QCOMPARE(decoded.error().reason, ReasonCode::MalformedPacket);

    // Lengths inside the body that point past its end.
    for (const char* hexFrame :
         {"30 05 00 ff 74 00 00", "82 05 00 01 ff ff 00", "10 0a 00 ff 4d 51 54 54 05 02 00 00",
          "30 06 00 01 74 ff ff 7f"}) {
        const DecodeResult result = decodeFrame(sb::test::bytes(hexFrame), Version::V5);
        QVERIFY2(!result.hasValue(), hexFrame);
        QCOMPARE(result.error().reason, ReasonCode::MalformedPacket);
    }
}

QTEST_APPLESS_MAIN(TestCodecRobustness)
#include "TestCodecRobustness.moc"
