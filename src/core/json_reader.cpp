#include "core/json_reader.h"

#include <fmt/format.h>

namespace rollcall {

Result<Json> ParseJsonObject(std::string_view body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Invalid("body: malformed JSON");
  if (!j.is_object()) return Status::Invalid("body: must be a JSON object");
  return j;
}

FieldReader::FieldReader(const Json& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) {
    std::string where = path_.empty() ? "body" : path_.substr(0, path_.size() - 1);
    error_ = Status::Invalid(fmt::format("{}: must be a JSON object", where));
  }
}

bool FieldReader::Has(std::string_view key) const {
  if (!object_.is_object()) return false;
  auto it = object_.find(key);
  return it != object_.end() && !it->is_null();
}

void FieldReader::Require(std::string_view key) {
  known_.emplace(key);
  if (!Has(key)) Fail(key, "required");
}

void FieldReader::Ignore(std::string_view key) { known_.emplace(key); }

const Json* FieldReader::Lookup(std::string_view key) {
  known_.emplace(key);
  if (!Has(key)) return nullptr;
  return &*object_.find(key);
}

const Json* FieldReader::Raw(std::string_view key) { return Lookup(key); }

void FieldReader::Fail(std::string_view key, std::string_view what) {
  if (error_.ok()) error_ = Status::Invalid(fmt::format("{}{}: {}", path_, key, what));
}

void FieldReader::Read(std::string_view key, std::string& out) {
  const Json* v = Lookup(key);
  if (!v) return;
  if (!v->is_string()) return Fail(key, "must be a string");
  out = v->get<std::string>();
}

void FieldReader::Read(std::string_view key, std::optional<std::string>& out) {
  const Json* v = Lookup(key);
  if (!v) return;
  if (!v->is_string()) return Fail(key, "must be a string");
  out = v->get<std::string>();
}

void FieldReader::Read(std::string_view key, bool& out) {
  const Json* v = Lookup(key);
  if (!v) return;
  if (!v->is_boolean()) return Fail(key, "must be true or false");
  out = v->get<bool>();
}

void FieldReader::Read(std::string_view key, double& out) {
  const Json* v = Lookup(key);
  if (!v) return;
  if (!v->is_number()) return Fail(key, "must be a number");
  out = v->get<double>();
}

void FieldReader::Read(std::string_view key, int64_t& out) {
  const Json* v = Lookup(key);
  if (!v) return;
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Fail(key, "is out of range");
  }
  if (!v->is_number_integer()) return Fail(key, "must be an integer");
  out = v->get<int64_t>();
}

void FieldReader::Read(std::string_view key, std::optional<int64_t>& out) {
  if (!Has(key)) {
    known_.emplace(key);
    return;
  }
  int64_t value = 0;
  Read(key, value);
  out = value;
}

void FieldReader::Read(std::string_view key, std::vector<std::string>& out) {
  const Json* v = Lookup(key);
  if (!v) return;
  if (!v->is_array()) return Fail(key, "must be a list of strings");
  std::vector<std::string> items;
  for (const auto& item : *v) {
    if (!item.is_string()) return Fail(key, "must be a list of strings");
    items.push_back(item.get<std::string>());
  }
  out = std::move(items);
}

void FieldReader::Read(std::string_view key, std::optional<std::vector<std::string>>& out) {
  if (!Has(key)) {
    known_.emplace(key);
    return;
  }
  std::vector<std::string> items;
  Read(key, items);
  out = std::move(items);
}

void FieldReader::Read(std::string_view key, std::map<std::string, std::string>& out) {
  const Json* v = Lookup(key);
  if (!v) return;
  if (!v->is_object()) return Fail(key, "must be an object of strings");
  std::map<std::string, std::string> items;
  for (const auto& [k, item] : v->items()) {
    if (!item.is_string()) return Fail(fmt::format("{}.{}", key, k), "must be a string");
    items[k] = item.get<std::string>();
  }
  out = std::move(items);
}

Status FieldReader::Finish() {
  if (!error_.ok()) return error_;
  for (const auto& [key, value] : object_.items()) {
    if (known_.count(key) == 0) {
      return Status::Invalid(fmt::format("{}{}: unknown field", path_, key));
    }
  }
  return Status::Ok();
}

}  // namespace rollcall
