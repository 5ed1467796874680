# Writes OUT (bb_version.h) with the git description of SRC at build time, and
# only when it changed (so nothing rebuilds for nothing): `barbench --version`
# and every manifest name the tree the binary was built from, not the one
# CMake was last configured on.  Run by the bb_version target on every build.
execute_process(COMMAND git -C ${SRC} describe --always --dirty --tags
  OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT describe)
  set(describe "unknown")
endif()
set(text "#define BB_VERSION_STRING \"${VERSION} (${describe})\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
