// Beast's and Asio SSL's implementation, compiled once for the whole program
// (BOOST_BEAST_SEPARATE_COMPILATION and BOOST_ASIO_SEPARATE_COMPILATION are set for every
// target in cmake/CommonOptions.cmake; Asio's own part is in broker/net/AsioImpl.cpp).
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
