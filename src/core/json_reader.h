// FieldReader: strict reading of one JSON object from a request.
//
// Each Read() marks its key as known; Finish() reports the first type error
// or, failing that, the first key nobody read ("policy.foo: unknown field").
// JSON null counts as absent. Messages carry the reader's path prefix.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace rollcall {

using Json = nlohmann::json;

// Parses a request body; Invalid naming the byte offset when malformed, or
// when the top level is not an object.
Result<Json> ParseJsonObject(std::string_view body);

class FieldReader {
 public:
  FieldReader(const Json& object, std::string path);

  bool Has(std::string_view key) const;  // present and not null
  void Require(std::string_view key);    // error if absent
  void Ignore(std::string_view key);     // known, read-only: accepted and dropped

  // Leave `out` untouched when the key is absent.
  void Read(std::string_view key, std::string& out);
  void Read(std::string_view key, std::optional<std::string>& out);
  void Read(std::string_view key, bool& out);
  void Read(std::string_view key, double& out);  // any JSON number
  void Read(std::string_view key, int64_t& out);  // integers only
  void Read(std::string_view key, std::optional<int64_t>& out);
  void Read(std::string_view key, std::vector<std::string>& out);
  void Read(std::string_view key, std::optional<std::vector<std::string>>& out);
  void Read(std::string_view key, std::map<std::string, std::string>& out);

  // The raw value (or nullptr when absent), marked as known.
  const Json* Raw(std::string_view key);
  void Fail(std::string_view key, std::string_view what);  // records an error for key
  std::string Path(std::string_view key) const { return path_ + std::string(key); }

  // The first error, or an unknown field, or OK.
  Status Finish();
  // The first type error, or OK: for answers from peers (agents), which
  // may carry fields a newer version added. Never for requests.
  Status FinishIgnoringUnknown() const { return error_; }

 private:
  const Json* Lookup(std::string_view key);  // marks known; nullptr if absent/null

  const Json& object_;
  std::string path_;
  std::set<std::string, std::less<>> known_;
  Status error_;
};

}  // namespace rollcall
