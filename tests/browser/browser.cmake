# The dashboard's tests: its pure JavaScript under node's own test runner,
# and the page itself in headless Chromium against real binaries
# (tests/browser/dashboard_test.py; skipped, exit 77, without Chromium
# unless ROLLCALL_REQUIRE_BROWSER is set, as CI does).
find_program(ROLLCALL_NODE node REQUIRED)
add_test(NAME web_unit COMMAND ${ROLLCALL_NODE} --test ${CMAKE_SOURCE_DIR}/web/test/)

add_test(NAME dashboard_browser
  COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/browser/dashboard_test.py
          --bin-dir ${CMAKE_BINARY_DIR} --out-dir ${CMAKE_BINARY_DIR}/dashboard-screenshots)
set_tests_properties(dashboard_browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
