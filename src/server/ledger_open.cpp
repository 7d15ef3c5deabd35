#include "server/ledger_open.h"

#include "store/sqlite_store.h"

namespace rollcall {

bool IsPostgresConninfo(const std::string& db) {
  return db.rfind("postgres://", 0) == 0 || db.rfind("postgresql://", 0) == 0 ||
         (db.find('=') != std::string::npos && (db.find("host=") != std::string::npos ||
                                                 db.find("dbname=") != std::string::npos));
}

Result<Ledger> OpenLedger(const std::string& db, const std::string& password) {
  Ledger ledger;
  if (IsPostgresConninfo(db)) {
    Result<std::unique_ptr<PgStore>> store = PgStore::Open(db, password);
    if (!store.ok()) return store.status().Prefixed("--db: ");
    Result<std::unique_ptr<PgStore>> lease = PgStore::Open(db, password);
    if (!lease.ok()) return lease.status().Prefixed("--db: ");
    ledger.pg = store->get();
    ledger.store = std::move(store).value();
    ledger.lease = std::move(lease).value();
    return ledger;
  }
  // One owner per file: a second rollcalld on it would run the same
  // rollouts twice.
  if (db != ":memory:") {
    Result<std::unique_ptr<LedgerLock>> lock = LedgerLock::Acquire(db);
    if (!lock.ok()) return lock.status().Prefixed("--db: ");
    ledger.lock = std::move(lock).value();
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(db);
  if (!store.ok()) return store.status().Prefixed("--db: ");
  ledger.store = std::move(store).value();
  return ledger;
}

}  // namespace rollcall
