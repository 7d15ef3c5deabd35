// A thin RAII layer over the SQLite3 C API for SqliteStore: a connection
// with a cache of prepared statements, one use of a statement (Query), a
// transaction guard and schema migrations.
//
// Nothing here throws. Every failure is Status::Internal("sqlite: <what>:
// <sqlite errmsg>"), where <what> names the operation ("put result").
// Not thread-safe: the owner serialises all calls (SqliteStore holds a mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "store/row_codec.h"

namespace rollcall::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// "sqlite: <what>: <errmsg of db>".
Status Error(sqlite3* db, std::string_view what);

// One use of a cached prepared statement: bind (1-based), step, read columns
// (0-based). The destructor resets the statement and clears its bindings, so
// no read snapshot outlives the Query. Text is copied when bound. The first
// bind failure is reported by the next Step() or Run(). At most one Query per
// statement may be alive at a time (a second would share its bindings).
class Query : public rows::ColumnReader, public rows::ParamWriter {
 public:
  Query(sqlite3_stmt* stmt, std::string_view what) : stmt_(stmt), what_(what) {}
  Query(Query&& other) noexcept;
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;
  ~Query() override;

  Query& BindText(int index, std::string_view text) override;
  Query& BindInt(int index, int64_t value) override;
  Query& BindOptInt(int index, std::optional<int64_t> value) override;  // NULL when absent
  Query& BindOptText(int index, const std::optional<std::string>& text) override;
  Query& BindBool(int index, bool value) override { return BindInt(index, value ? 1 : 0); }

  // True when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps until done, ignoring any rows (INSERT, UPDATE, DELETE, BEGIN...).
  Status Run();

  std::string Text(int col) const override;  // "" for NULL
  std::optional<std::string> OptText(int col) const override;
  int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::optional<int64_t> OptInt(int col) const override;
  bool Bool(int col) const override { return Int(col) != 0; }
  std::string_view StoreName() const override { return "sqlite"; }

 private:
  void Check(int rc);

  sqlite3_stmt* stmt_;  // owned by the Db's cache
  std::string_view what_;
  int bind_error_ = SQLITE_OK;
};

// One connection. Statements are prepared on first use and kept until the
// Db is destroyed.
class Db {
 public:
  // Opens (creating if needed) the database file at `path`; an error when
  // the file cannot be opened, e.g. its directory does not exist.
  static Result<std::unique_ptr<Db>> Open(const std::string& path);

  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements that return no rows worth reading.
  Status Exec(std::string_view what, const char* sql);
  // The cached statement for `sql`, ready to bind. `sql` must outlive the Db
  // (a literal or a static string): the cache keys on it without a copy. `what` names the operation in error messages.
  Result<Query> Prepare(std::string_view what, const char* sql);

  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_.get()); }
  int Changes() const { return sqlite3_changes(db_.get()); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }
  sqlite3* handle() const { return db_.get(); }

 private:
  explicit Db(DbHandle db) : db_(std::move(db)) {}

  DbHandle db_;  // declared first: destroyed after the statements
  std::unordered_map<std::string_view, StmtHandle> statements_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted, so an
// early return on error leaves nothing half-written.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Begin();
  Status Commit();

 private:
  Db& db_;
  bool open_ = false;
};

// Brings the schema to version steps.size() (`PRAGMA user_version`): runs
// each step past the file's version in its own transaction. An error when
// the file's version is newer than this binary knows.
Status Migrate(Db& db, std::span<const char* const> steps);

}  // namespace rollcall::sqlite
