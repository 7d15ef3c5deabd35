#include "store/pg_test_server.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "store/pg_db.h"

namespace rollcall {

Result<std::string> PgTestServer::Conninfo() {
  const char* file = std::getenv("ROLLCALL_TEST_PG_FILE");
  if (!file || !*file) {
    return Status::Unavailable(
        "no PostgreSQL for the tests: run them through ctest (its postgres fixture starts one) or "
        "set "
        "ROLLCALL_TEST_PG_FILE to a file `scripts/pg-test-server.sh start FILE` wrote");
  }
  std::ifstream in(file);
  std::string conninfo;
  if (!in || !std::getline(in, conninfo) || conninfo.empty()) {
    return Status::Unavailable(
        fmt::format("no PostgreSQL for the tests: {} holds no conninfo", file));
  }
  return conninfo;
}

bool PgTestServer::Available(std::string& why) {
  Result<std::string> c = Conninfo();
  if (!c.ok()) why = c.status().message();
  return c.ok();
}

bool PgTestServer::Required() {
  const char* v = std::getenv("ROLLCALL_REQUIRE_POSTGRES");
  return v && std::string(v) == "1";
}

Result<std::string> PgTestServer::FreshSchema() {
  Result<std::string> conninfo = Conninfo();
  if (!conninfo.ok()) return conninfo.status();
  static std::atomic<int> counter{0};
  const std::string schema = fmt::format("t_{}_{}", getpid(), counter++);
  Result<std::unique_ptr<pg::Connection>> admin = pg::Connection::Open(*conninfo);
  if (!admin.ok()) return admin.status();
  if (Status s = (*admin)->ExecScript("create test schema", ("CREATE SCHEMA " + schema).c_str());
      !s.ok())
    return s;
  return fmt::format("{} options='-c search_path={}'", *conninfo, schema);
}

}  // namespace rollcall
