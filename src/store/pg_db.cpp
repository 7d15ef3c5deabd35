#include "store/pg_db.h"

#include <algorithm>

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "core/safe_text.h"

namespace rollcall::pg {
namespace {

// The server's message, one line, escaped.
std::string Message(const PGconn* conn, const PGresult* r = nullptr) {
  const char* text = r ? PQresultErrorMessage(r) : PQerrorMessage(conn);
  std::string m = text ? text : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return EscapeText(m);
}

int64_t ParseInt(const char* text) {
  int64_t v = 0;
  std::from_chars(text, text + std::strlen(text), v);
  return v;
}

}  // namespace

std::optional<std::string>& Params::Slot(int index) {
  if (static_cast<size_t>(index) > values_.size()) values_.resize(static_cast<size_t>(index));
  return values_[static_cast<size_t>(index) - 1];
}

Params& Params::BindText(int index, std::string_view text) {
  Slot(index) = std::string(text);
  return *this;
}
Params& Params::BindInt(int index, int64_t value) {
  Slot(index) = std::to_string(value);
  return *this;
}
Params& Params::BindOptInt(int index, std::optional<int64_t> value) {
  Slot(index) = value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt;
  return *this;
}
Params& Params::BindOptText(int index, const std::optional<std::string>& text) {
  Slot(index) = text;
  return *this;
}
Params& Params::BindBool(int index, bool value) {
  Slot(index) = value ? "true" : "false";
  return *this;
}

int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? ParseInt(n) : 0;
}

std::string Rows::Row::Text(int col) const {
  return PQgetisnull(r_, i_, col) ? ""
                                  : std::string(PQgetvalue(r_, i_, col), PQgetlength(r_, i_, col));
}
std::optional<std::string> Rows::Row::OptText(int col) const {
  if (PQgetisnull(r_, i_, col)) return std::nullopt;
  return Text(col);
}
int64_t Rows::Row::Int(int col) const {
  return PQgetisnull(r_, i_, col) ? 0 : ParseInt(PQgetvalue(r_, i_, col));
}
std::optional<int64_t> Rows::Row::OptInt(int col) const {
  if (PQgetisnull(r_, i_, col)) return std::nullopt;
  return Int(col);
}
bool Rows::Row::Bool(int col) const {
  const char* v = PQgetvalue(r_, i_, col);
  return !PQgetisnull(r_, i_, col) && (v[0] == 't' || v[0] == '1');
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                     const std::string& password) {
  std::unique_ptr<Connection> c(new Connection(conninfo, password));
  if (Status s = c->Connect(); !s.ok()) return s;
  return c;
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

Status Connection::Connect() {
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
  // conninfo as given (a URI or key=value pairs), plus the password and
  // quiet notices; expand_dbname lets the first "dbname" be a whole conninfo.
  // Bounds first, so a conninfo that sets its own wins (expanded in place
  // of "dbname", after them): a partitioned server fails a call within
  // seconds instead of hanging it for the kernel's TCP timeout.
  std::vector<const char*> keys = {"connect_timeout", "keepalives", "keepalives_idle",
                                   "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                                   "dbname", "client_encoding"};
  std::vector<const char*> values = {"5", "1", "5", "2", "3", "10000", conninfo_.c_str(), "UTF8"};
  if (!password_.empty()) {
    keys.push_back("password");
    values.push_back(password_.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? Message(conn_) : "out of memory";
    return Status::Unavailable("postgres: connect: " + why);
  }
  // Notices ("relation already exists, skipping") are not for operators.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  if (!session_sql_.empty()) {
    std::unique_ptr<PGresult, ResultDeleter> r(PQexec(conn_, session_sql_.c_str()));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return Status::Unavailable("postgres: session settings: " + Message(conn_, r.get()));
    }
  }
  return Status::Ok();
}

Status Connection::SetSessionSql(std::string sql) {
  session_sql_ = std::move(sql);
  return ExecScript("session settings", session_sql_.c_str());
}

Status Connection::EnsureConnected(std::string_view what) {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
  const auto now = std::chrono::steady_clock::now();
  if (now < next_connect_) {
    return Status::Unavailable(fmt::format("postgres: {}: unreachable ({}); retrying", what, last_connect_error_));
  }
  Status s = Connect();
  if (!s.ok()) {
    connect_backoff_ = std::clamp(connect_backoff_ * 2, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
    next_connect_ = now + connect_backoff_;
    last_connect_error_ = s.message();
    return Lost(fmt::format("postgres: {}: {}", what, s.message()));
  }
  connect_backoff_ = std::chrono::milliseconds(0);
  if (!reachable_) {
    reachable_ = true;
    if (on_reachability_) on_reachability_(true, "");
  }
  return s;
}

Status Connection::Lost(std::string message) {
  Status s = Status::Unavailable(std::move(message));
  if (reachable_) {
    reachable_ = false;
    if (on_reachability_) on_reachability_(false, s.message());
  }
  return s;
}

Result<Rows> Connection::Exec(std::string_view what, const char* sql, const Params& params) {
  if (Status s = EnsureConnected(what); !s.ok()) return s;
  std::vector<const char*> values;
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  PGresult* r = PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0);
  Rows rows(r);
  const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return rows;
  const std::string message = fmt::format("postgres: {}: {}", what, Message(conn_, r));
  if (PQstatus(conn_) != CONNECTION_OK) return Lost(message);
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (state && std::string_view(state) == "23505")
    return Status::Conflict(message);  // unique_violation
  return Status::Internal(message);
}

Status Connection::ExecScript(std::string_view what, const char* sql) {
  if (Status s = EnsureConnected(what); !s.ok()) return s;
  // The simple query protocol runs every statement; the result is the last
  // one's, or the first error's.
  std::unique_ptr<PGresult, ResultDeleter> r(PQexec(conn_, sql));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
  const std::string message = fmt::format("postgres: {}: {}", what, Message(conn_, r.get()));
  return PQstatus(conn_) != CONNECTION_OK ? Lost(message) : Status::Internal(message);
}

Transaction::~Transaction() {
  if (open_) c_.Exec("rollback", "ROLLBACK").status().IgnoreError();
}

Status Transaction::Begin() {
  Result<Rows> r = c_.Exec("begin", "BEGIN");
  open_ = r.ok();
  return r.status();
}

Status Transaction::Commit() {
  Result<Rows> r = c_.Exec("commit", "COMMIT");
  if (r.ok()) open_ = false;
  return r.status();
}

Status Migrate(Connection& c, const std::vector<const char*>& steps) {
  Transaction tx(c);
  if (Status s = tx.Begin(); !s.ok()) return s;
  // One migrator at a time per database: a constant of our own as the key.
  if (Result<Rows> r = c.Exec("lock schema", "SELECT pg_advisory_xact_lock(7700001)"); !r.ok())
    return r.status();
  if (Result<Rows> r =
          c.Exec("create schema table",
                 "CREATE TABLE IF NOT EXISTS rollcall_schema (version BIGINT NOT NULL)");
      !r.ok()) {
    return r.status();
  }
  Result<Rows> current =
      c.Exec("read schema version", "SELECT COALESCE(MAX(version), 0) FROM rollcall_schema");
  if (!current.ok()) return current.status();
  const int64_t version = (*current)[0].Int(0);
  if (version > static_cast<int64_t>(steps.size())) {
    return Status::Internal(fmt::format(
        "postgres: schema version {} is newer than this binary knows ({})", version, steps.size()));
  }
  for (size_t i = static_cast<size_t>(version); i < steps.size(); ++i) {
    const std::string what = fmt::format("migrate to schema version {}", i + 1);
    if (Status s = c.ExecScript(what, steps[i]); !s.ok()) return s;
  }
  Params p;
  p.BindInt(1, static_cast<int64_t>(steps.size()));
  if (Result<Rows> r = c.Exec("record schema version", "DELETE FROM rollcall_schema"); !r.ok())
    return r.status();
  if (Result<Rows> r =
          c.Exec("record schema version", "INSERT INTO rollcall_schema (version) VALUES ($1)", p);
      !r.ok()) {
    return r.status();
  }
  return tx.Commit();
}

}  // namespace rollcall::pg
