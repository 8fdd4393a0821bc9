# Building guest modules as part of the normal build:
#   aegis_wat_module(NAME SOURCE)                      WAT → ${AEGIS_WASM_DIR}/NAME.wasm via wat2wasm (wabt)
#   aegis_c_wasm_module(NAME SOURCES ... [FLAGS ...])  C/C++ → ${AEGIS_WASM_DIR}/NAME.wasm via clang --target=wasm32-wasi
# Every module becomes a dependency of the `aegis_wasm_modules` target, which tests depend on.
find_program(WAT2WASM wat2wasm REQUIRED)
find_program(WASM_CLANG NAMES clang clang-14 REQUIRED)
find_program(WASM_CLANGXX NAMES clang++ clang++-14 REQUIRED)
set(AEGIS_WASM_DIR ${CMAKE_BINARY_DIR}/wasm CACHE INTERNAL "Where built guest modules land")
file(MAKE_DIRECTORY ${AEGIS_WASM_DIR})
if(NOT TARGET aegis_wasm_modules)
  add_custom_target(aegis_wasm_modules ALL)
endif()

function(aegis_wat_module name source)
  get_filename_component(src ${source} ABSOLUTE)
  set(out ${AEGIS_WASM_DIR}/${name}.wasm)
  add_custom_command(OUTPUT ${out}
    COMMAND ${WAT2WASM} --enable-all -o ${out} ${src}
    DEPENDS ${src}
    COMMENT "wat2wasm ${name}.wasm" VERBATIM)
  add_custom_target(wasm_${name} DEPENDS ${out})
  add_dependencies(aegis_wasm_modules wasm_${name})
endfunction()

function(aegis_c_wasm_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  set(out ${AEGIS_WASM_DIR}/${name}.wasm)
  set(srcs)
  set(compiler ${WASM_CLANG})
  foreach(s ${ARG_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE)
    list(APPEND srcs ${abs})
    if(s MATCHES "\\.(cc|cpp|cxx)$")
      set(compiler ${WASM_CLANGXX})
    endif()
  endforeach()
  add_custom_command(OUTPUT ${out}
    COMMAND ${compiler} --target=wasm32-wasi -O2 -fuse-ld=lld ${ARG_FLAGS} -o ${out} ${srcs}
    DEPENDS ${srcs} ${ARG_DEPENDS}
    COMMENT "clang --target=wasm32-wasi ${name}.wasm" VERBATIM)
  add_custom_target(wasm_${name} DEPENDS ${out})
  add_dependencies(aegis_wasm_modules wasm_${name})
endfunction()
