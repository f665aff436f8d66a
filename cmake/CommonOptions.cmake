# One INTERFACE target carries the language standard, warnings and sanitizer flags for every
# Switchboard target, so no target sets its own.
add_library(switchboard_options INTERFACE)
add_library(Switchboard::options ALIAS switchboard_options)

target_compile_features(switchboard_options INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

target_compile_options(switchboard_options INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wimplicit-fallthrough
    $<$<BOOL:${SWITCHBOARD_WERROR}>:-Werror>)

target_compile_definitions(switchboard_options INTERFACE
    # Asio and Beast are compiled once (broker/net/AsioImpl.cpp), not in every translation unit.
    BOOST_ASIO_SEPARATE_COMPILATION
    BOOST_BEAST_SEPARATE_COMPILATION
    BOOST_ASIO_NO_DEPRECATED
    # Qt hygiene, as in qBittorrent: no implicit conversions from char*, no context-less connects.
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_KEYWORDS
    SPDLOG_FMT_EXTERNAL)

# -Wnull-dereference is left out: at -O2 GCC 12 reports it inside Asio's own headers (false
# positives we cannot fix there).
if(SWITCHBOARD_SANITIZE)
    string(REPLACE ";" "," _sanitizers "${SWITCHBOARD_SANITIZE}")
    target_compile_options(switchboard_options INTERFACE
        -fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(switchboard_options INTERFACE -fsanitize=${_sanitizers})
    if("thread" IN_LIST SWITCHBOARD_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # GCC 12 warns that TSan does not model std::atomic_thread_fence, which Asio uses.
        target_compile_options(switchboard_options INTERFACE -Wno-tsan)
    endif()
endif()
