// Opens rollcalld's ledger from --db: an SQLite file (one rollcalld per file,
// held by a lock file) or a PostgreSQL conninfo (any number of rollcalld,
// one leader by the lease; the lease gets a connection of its own).
#pragma once

#include <memory>
#include <string>

#include "core/store.h"
#include "runtime/daemon_limits.h"
#include "store/pg_store.h"

namespace rollcall {

struct Ledger {
  std::unique_ptr<LedgerLock> lock;  // SQLite: the file's owner
  std::unique_ptr<Store> store;      // what the engine and the API use
  PgStore* pg = nullptr;             // `store`, when replicated
  std::unique_ptr<PgStore> lease;    // the lease's own connection, when replicated
};

// "postgres://" or "postgresql://" URIs, and key=value conninfo with host=.
bool IsPostgresConninfo(const std::string& db);

// Errors name --db; `password` (PostgreSQL, may be empty) is never shown.
Result<Ledger> OpenLedger(const std::string& db, const std::string& password);

}  // namespace rollcall
