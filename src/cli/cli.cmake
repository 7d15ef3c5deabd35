# The CLI: a library of commands (tested) and a thin main with the flags.
add_library(rollcall_cli STATIC
  src/cli/sse_parser.cpp
  src/cli/api_client.cpp
  src/cli/report.cpp
  src/cli/ci_logic.cpp
  src/cli/summary.cpp
  src/cli/verify.cpp
  src/cli/scm.cpp
  src/cli/git.cpp
  src/cli/commands.cpp
  src/cli/rollout_cmd.cpp
  src/cli/pipeline_cmd.cpp
  src/cli/fleet_table.cpp
  src/cli/audit_table.cpp
  src/cli/follow_view.cpp
  src/cli/table.cpp
  src/cli/output.cpp
  src/cli/read_tables.cpp
  src/cli/read_cmd.cpp
  src/cli/undo.cpp
  src/cli/undo_cmd.cpp
)
rollcall_target(rollcall_cli)
target_link_libraries(rollcall_cli PUBLIC rollcall_core rollcall_http rollcall_runtime CURL::libcurl)

add_executable(rollcall src/cli/main.cpp)
rollcall_target(rollcall)
target_link_libraries(rollcall PRIVATE rollcall_cli rollcall_build_info rollcall_cli_docs CLI11::CLI11)

add_executable(cli_test
  src/cli/sse_parser_test.cpp
  src/cli/report_test.cpp
  src/cli/ci_logic_test.cpp
  src/cli/summary_test.cpp
  src/cli/scm_test.cpp
  src/cli/git_test.cpp
  src/cli/api_client_test.cpp
  src/cli/fleet_table_test.cpp
  src/cli/audit_table_test.cpp
  src/cli/output_test.cpp
  src/cli/read_tables_test.cpp
  src/cli/undo_test.cpp
  src/cli/verify_test.cpp
  src/cli/follow_view_test.cpp
)
rollcall_target(cli_test)
target_link_libraries(cli_test PRIVATE rollcall_cli rollcall_httpd GTest::gtest_main GTest::gmock)
gtest_discover_tests(cli_test DISCOVERY_TIMEOUT 60)

# Man pages and shell completion, generated from each binary's command
# table (ParseCommandLine's --man, --completion-bash, --completion-zsh) into
# build/generated/, where cmake/packaging.cmake installs them from.
set(ROLLCALL_DOCS_DIR ${CMAKE_BINARY_DIR}/generated)
set(rollcall_doc_outputs)
foreach(bin rollcall rollcalld rollcall-agent rollcall-sim)
  add_custom_command(OUTPUT ${ROLLCALL_DOCS_DIR}/man/${bin}.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ROLLCALL_DOCS_DIR}/man
    COMMAND sh -c "\"$1\" --man > \"$2\"" sh $<TARGET_FILE:${bin}> ${ROLLCALL_DOCS_DIR}/man/${bin}.1
    DEPENDS ${bin} COMMENT "man page of ${bin}" VERBATIM)
  list(APPEND rollcall_doc_outputs ${ROLLCALL_DOCS_DIR}/man/${bin}.1)
endforeach()
add_custom_command(OUTPUT ${ROLLCALL_DOCS_DIR}/completion/rollcall ${ROLLCALL_DOCS_DIR}/completion/_rollcall
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ROLLCALL_DOCS_DIR}/completion
  COMMAND sh -c "\"$1\" --completion-bash > \"$2\"" sh $<TARGET_FILE:rollcall> ${ROLLCALL_DOCS_DIR}/completion/rollcall
  COMMAND sh -c "\"$1\" --completion-zsh > \"$2\"" sh $<TARGET_FILE:rollcall> ${ROLLCALL_DOCS_DIR}/completion/_rollcall
  DEPENDS rollcall COMMENT "shell completion of rollcall" VERBATIM)
list(APPEND rollcall_doc_outputs ${ROLLCALL_DOCS_DIR}/completion/rollcall ${ROLLCALL_DOCS_DIR}/completion/_rollcall)
add_custom_target(rollcall_docs ALL DEPENDS ${rollcall_doc_outputs})
