#include "store/sqlite_db.h"

#include <fmt/format.h>

namespace rollcall::sqlite {

Status Error(sqlite3* db, std::string_view what) {
  const char* msg = db ? sqlite3_errmsg(db) : "out of memory";
  return Status::Internal(fmt::format("sqlite: {}: {}", what, msg));
}

Query::Query(Query&& other) noexcept
    : stmt_(other.stmt_), what_(other.what_), bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
}

Query::~Query() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);  // its result repeats the last step's error, already reported
  sqlite3_clear_bindings(stmt_);
}

void Query::Check(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Query& Query::BindText(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so temporaries may be bound.
  Check(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8));
  return *this;
}

Query& Query::BindInt(int index, int64_t value) {
  Check(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Query& Query::BindOptInt(int index, std::optional<int64_t> value) {
  Check(value ? sqlite3_bind_int64(stmt_, index, *value) : sqlite3_bind_null(stmt_, index));
  return *this;
}

Query& Query::BindOptText(int index, const std::optional<std::string>& text) {
  if (text) return BindText(index, *text);
  Check(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Query::Step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_error_ != SQLITE_OK) {
    return Status::Internal(
        fmt::format("sqlite: {}: bind: {}", what_, sqlite3_errstr(bind_error_)));
  }
  switch (sqlite3_step(stmt_)) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      return Error(db, what_);
  }
}

Status Query::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::string Query::Text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (!text) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Query::OptText(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return Text(col);
}

std::optional<int64_t> Query::OptInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return Int(col);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the owner serialises every call on this connection.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle handle(raw);  // closed on every path, even a failed open
  if (rc != SQLITE_OK) return Error(raw, fmt::format("open {}", path));
  sqlite3_extended_result_codes(raw, 1);
  return std::unique_ptr<Db>(new Db(std::move(handle)));
}

Status Db::Exec(std::string_view what, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &msg) == SQLITE_OK) return Status::Ok();
  Status s = Status::Internal(fmt::format("sqlite: {}: {}", what, msg ? msg : "unknown error"));
  sqlite3_free(msg);
  return s;
}

Result<Query> Db::Prepare(std::string_view what, const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
        SQLITE_OK) {
      return Error(db_.get(), fmt::format("prepare {}", what));
    }
    it = statements_.emplace(sql, StmtHandle(stmt)).first;
  }
  return Query(it->second.get(), what);
}

Transaction::~Transaction() {
  // A failed statement may already have rolled the transaction back.
  if (open_ && db_.InTransaction()) db_.Exec("rollback", "ROLLBACK").IgnoreError();
}

Status Transaction::Begin() {
  // IMMEDIATE takes the write lock now, so a busy database fails here (after
  // the busy timeout) rather than halfway through the writes.
  Result<Query> q = db_.Prepare("begin", "BEGIN IMMEDIATE");
  if (!q.ok()) return q.status();
  if (Status s = q->Run(); !s.ok()) return s;
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  Result<Query> q = db_.Prepare("commit", "COMMIT");
  if (!q.ok()) return q.status();
  if (Status s = q->Run(); !s.ok()) return s;  // still open: the destructor rolls back
  open_ = false;
  return Status::Ok();
}

namespace {

Result<int64_t> UserVersion(Db& db) {
  Result<Query> q = db.Prepare("read schema version", "PRAGMA user_version");
  if (!q.ok()) return q.status();
  Result<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return *row ? q->Int(0) : 0;
}

// Applies the next step, if any, in one transaction. The version is re-read
// under the write lock, so two processes opening a new file at once cannot
// both apply the same step. Sets `done` when the schema is current.
Status ApplyNextStep(Db& db, std::span<const char* const> steps, bool& done) {
  Transaction tx(db);
  if (Status s = tx.Begin(); !s.ok()) return s;
  Result<int64_t> version = UserVersion(db);
  if (!version.ok()) return version.status();
  if (*version > static_cast<int64_t>(steps.size())) {
    return Status::Internal(fmt::format(
        "sqlite: schema version {} is newer than this binary knows ({})", *version, steps.size()));
  }
  done = *version == static_cast<int64_t>(steps.size());
  if (!done) {
    const std::string what = fmt::format("migrate to schema version {}", *version + 1);
    if (Status s = db.Exec(what, steps[static_cast<size_t>(*version)]); !s.ok()) return s;
    // PRAGMA takes no parameters; the version is our own integer.
    const std::string bump = fmt::format("PRAGMA user_version = {}", *version + 1);
    if (Status s = db.Exec(what, bump.c_str()); !s.ok()) return s;
  }
  return tx.Commit();
}

}  // namespace

Status Migrate(Db& db, std::span<const char* const> steps) {
  for (bool done = false; !done;) {
    if (Status s = ApplyNextStep(db, steps, done); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace rollcall::sqlite
