// A thin RAII layer over libpq for PgStore: a connection that reconnects
// after a loss, one statement with text parameters, its result rows, a
// transaction guard.
//
// libpq's C API rather than libpqxx: its errors are values (no exception can
// cross the store's boundary) and NULL parameters are plain null pointers.
// Nothing here throws. Failures are Status values naming the operation:
// Unavailable("postgres: <what>: <message>") when the server cannot be
// reached, Conflict for a unique violation, Internal otherwise. A lost
// connection is re-established by a later call; after a failed attempt the
// next waits a backoff (100 ms doubling to 1 s), calls meanwhile failing at
// once, so an unreachable server does not hold every caller for its
// connect timeout. Not thread-safe: the owner
// serialises every call (PgStore holds a mutex).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/row_codec.h"

namespace rollcall::pg {

inline constexpr std::string_view kStoreName = "postgres";

// Parameters $1..$N as text; NULL when absent.
class Params : public rows::ParamWriter {
 public:
  Params& BindText(int index, std::string_view text) override;
  Params& BindInt(int index, int64_t value) override;
  Params& BindOptInt(int index, std::optional<int64_t> value) override;
  Params& BindOptText(int index, const std::optional<std::string>& text) override;
  Params& BindBool(int index, bool value) override;

  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::optional<std::string>& Slot(int index);
  std::vector<std::optional<std::string>> values_;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

// The rows of one statement.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  int size() const { return PQntuples(result_.get()); }
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;

  // Row `i` as the codec reads it.
  class Row : public rows::ColumnReader {
   public:
    Row(const PGresult* r, int i) : r_(r), i_(i) {}
    std::string Text(int col) const override;
    std::optional<std::string> OptText(int col) const override;
    int64_t Int(int col) const override;
    std::optional<int64_t> OptInt(int col) const override;
    bool Bool(int col) const override;
    std::string_view StoreName() const override { return kStoreName; }

   private:
    const PGresult* r_;
    int i_;
  };
  Row operator[](int i) const { return Row(result_.get(), i); }

 private:
  std::unique_ptr<PGresult, ResultDeleter> result_;
};

class Connection {
 public:
  // Connects with a libpq conninfo ("postgresql://..." or "host=... dbname=...");
  // `password`, when not empty, is passed as the password parameter (never
  // logged, never in a message).
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                  const std::string& password = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` with `params`; `what` names it in errors.
  Result<Rows> Exec(std::string_view what, const char* sql, const Params& params = {});
  // Runs several statements without parameters (a schema step).
  Status ExecScript(std::string_view what, const char* sql);
  // Told when the server stops answering (false, why) and answers again
  // (true, ""): transitions only.
  void SetOnReachability(std::function<void(bool, const std::string&)> fn) { on_reachability_ = std::move(fn); }
  // Statements run on every (re)connection, e.g. session settings; runs
  // them now when connected.
  Status SetSessionSql(std::string sql);

 private:
  Connection(std::string conninfo, std::string password)
      : conninfo_(std::move(conninfo)), password_(std::move(password)) {}
  Status Connect();
  Status EnsureConnected(std::string_view what);
  Status Lost(std::string message);  // Unavailable; a transition is reported

  const std::string conninfo_;
  const std::string password_;
  PGconn* conn_ = nullptr;
  std::function<void(bool, const std::string&)> on_reachability_;
  bool reachable_ = true;
  std::chrono::steady_clock::time_point next_connect_{};  // backoff after a failed connect
  std::chrono::milliseconds connect_backoff_{0};
  std::string last_connect_error_;
  std::string session_sql_;
};

// BEGIN on Begin(); ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) {}
  ~Transaction();
  Status Begin();
  Status Commit();

 private:
  Connection& c_;
  bool open_ = false;
};

// Brings the schema up to `steps` (applied in order in one transaction each,
// under an advisory lock so two controllers starting at once migrate once);
// refuses a database whose schema is newer than this binary.
Status Migrate(Connection& c, const std::vector<const char*>& steps);

}  // namespace rollcall::pg
