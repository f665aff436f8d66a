# `cmake --build <dir> --target format` rewrites every C++ file in place;
# `--target format-check` fails if any file is not clang-format clean.
find_program(SWITCHBOARD_CLANG_FORMAT NAMES clang-format clang-format-14)
if(SWITCHBOARD_CLANG_FORMAT)
    file(GLOB_RECURSE _switchboard_format_sources CONFIGURE_DEPENDS
        ${PROJECT_SOURCE_DIR}/broker/*.cpp ${PROJECT_SOURCE_DIR}/broker/*.h
        ${PROJECT_SOURCE_DIR}/app/*.cpp ${PROJECT_SOURCE_DIR}/app/*.h
        ${PROJECT_SOURCE_DIR}/ui/*.cpp ${PROJECT_SOURCE_DIR}/ui/*.h
        ${PROJECT_SOURCE_DIR}/tests/*.cpp ${PROJECT_SOURCE_DIR}/tests/*.h)
    add_custom_target(format
        COMMAND ${SWITCHBOARD_CLANG_FORMAT} -i ${_switchboard_format_sources}
        COMMENT "clang-format: rewriting sources"
        VERBATIM)
    add_custom_target(format-check
        COMMAND ${SWITCHBOARD_CLANG_FORMAT} --dry-run -Werror ${_switchboard_format_sources}
        COMMENT "clang-format: checking sources"
        VERBATIM)
endif()
