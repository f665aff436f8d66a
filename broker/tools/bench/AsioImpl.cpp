// Asio's and Asio SSL's implementation, compiled once for switchboard-bench
// (BOOST_ASIO_SEPARATE_COMPILATION is set for every target). The bench links no broker layer
// above the codec, so it cannot borrow broker/net's copy.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
