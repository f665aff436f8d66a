# The layering rules of docs and design, checked on the sources (run by CTest as
# test_console_layering): broker/ never includes Qt; app/ and ui/ never include Asio, Beast or
# a broker header other than the facade; ui/ never talks to the network itself.
# Usage: cmake -DSOURCE_DIR=<repo> -P CheckLayering.cmake
set(_violations "")

function(check_folder folder pattern why)
    file(GLOB_RECURSE _files "${SOURCE_DIR}/${folder}/*.h" "${SOURCE_DIR}/${folder}/*.cpp")
    foreach(_file IN LISTS _files)
        file(STRINGS "${_file}" _lines REGEX "${pattern}")
        foreach(_line IN LISTS _lines)
            file(RELATIVE_PATH _relative "${SOURCE_DIR}" "${_file}")
            list(APPEND _violations "${_relative}: ${_line}  (${why})")
        endforeach()
    endforeach()
    set(_violations "${_violations}" PARENT_SCOPE)
endfunction()

check_folder(broker "#include <Q[tA-Z]" "broker/ never includes Qt")
check_folder(app "#include <boost/" "app/ never includes Asio or Beast")
check_folder(ui "#include <boost/" "ui/ never includes Asio or Beast")
check_folder(app "#include \"broker/[a-eg-z]" "app/ sees the broker only through broker/facade")
check_folder(ui "#include \"broker/" "ui/ does not see the broker")
check_folder(ui "#include <QtNetwork/|#include <QtWebSockets/" "ui/ gets its data from app/")

if(_violations)
    list(JOIN _violations "\n" _report)
    message(FATAL_ERROR "Layering violations:\n${_report}")
endif()
message(STATUS "Layering: broker/, app/ and ui/ keep to their layers")
