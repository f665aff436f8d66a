// Asio's implementation, compiled once for the whole program (BOOST_ASIO_SEPARATE_COMPILATION
// is set for every target in cmake/CommonOptions.cmake). Keeps Asio's templates out of every
// other translation unit's compile time.
#include <boost/asio/impl/src.hpp>
