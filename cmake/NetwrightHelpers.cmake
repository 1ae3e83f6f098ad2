# nw_add_library(NAME SOURCES...): a module library with the project's warnings.
function(nw_target_warnings target)
    target_compile_options(${target} PRIVATE
        $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                  -Wno-sign-conversion>)
    # GCC 12 reports -Wrestrict false positives inside std::string (GCC bug 105329).
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
        target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
    endif()
    if(NW_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
    endif()
endfunction()

# Resolves an AUTO/ON/OFF option: sets OUT to TRUE when FOUND and the option allows it,
# fails the configure when the option is ON and the part is missing.
function(nw_resolve_option option found reason out)
    set(value ${${option}})
    if(value STREQUAL "OFF" OR value STREQUAL "FALSE" OR value STREQUAL "0")
        set(${out} FALSE PARENT_SCOPE)
        set(${out}_REASON "switched off (${option}=OFF)" PARENT_SCOPE)
    elseif(found)
        set(${out} TRUE PARENT_SCOPE)
        set(${out}_REASON "" PARENT_SCOPE)
    elseif(value STREQUAL "ON" OR value STREQUAL "TRUE" OR value STREQUAL "1")
        message(FATAL_ERROR "${option}=ON but ${reason}")
    else()
        set(${out} FALSE PARENT_SCOPE)
        set(${out}_REASON "${reason}" PARENT_SCOPE)
    endif()
endfunction()
