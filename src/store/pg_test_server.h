// PgTestServer: where the tests' PostgreSQL is. ctest's `postgres` fixture
// starts one (scripts/pg-test-server.sh) and hands its state file to every
// store test in ROLLCALL_TEST_PG_FILE; each test then works in a schema of
// its own, so tests run in parallel on one server.
#pragma once

#include <string>

#include "core/status.h"

namespace rollcall {

class PgTestServer {
 public:
  // Whether a server was handed over; `why` says what is missing.
  static bool Available(std::string& why);
  // ROLLCALL_REQUIRE_POSTGRES=1 (CI): a missing server fails instead of skipping.
  static bool Required();
  // The server's conninfo.
  static Result<std::string> Conninfo();
  // A conninfo whose search_path is a new, empty schema.
  static Result<std::string> FreshSchema();
};

}  // namespace rollcall

// In a test body or SetUp (gtest): skips the test without a server, or
// fails it under ROLLCALL_REQUIRE_POSTGRES=1, saying why.
#define ROLLCALL_SKIP_WITHOUT_POSTGRES()                                   \
  do {                                                                     \
    if (std::string why_; !::rollcall::PgTestServer::Available(why_)) {    \
      if (::rollcall::PgTestServer::Required()) FAIL() << why_;            \
      GTEST_SKIP() << why_;                                                \
    }                                                                      \
  } while (0)
