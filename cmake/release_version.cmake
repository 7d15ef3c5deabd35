# The version a build reports and packages: the commit's tag when it has one
# (v1.2.3 -> 1.2.3), else `default`. Shared by build_info.cmake (--version,
# at build time) and packaging.cmake (the .deb's version, at configure time)
# so the two never disagree.
function(rollcall_release_version out source_dir default)
  set(version "${default}")
  find_package(Git QUIET)
  if(GIT_FOUND AND EXISTS "${source_dir}/.git")
    execute_process(COMMAND "${GIT_EXECUTABLE}" describe --tags --exact-match HEAD WORKING_DIRECTORY "${source_dir}"
                    OUTPUT_VARIABLE tag OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE untagged ERROR_QUIET)
    if(NOT untagged AND tag MATCHES "^v?([0-9]+\\.[0-9]+\\.[0-9]+.*)$")
      set(version "${CMAKE_MATCH_1}")
    endif()
  endif()
  set(${out} "${version}" PARENT_SCOPE)
endfunction()
