# Use ccache when it is installed: rebuilds on 2 cores are dominated by Asio/Beast templates.
find_program(SWITCHBOARD_CCACHE ccache)
if(SWITCHBOARD_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${SWITCHBOARD_CCACHE}")
endif()
